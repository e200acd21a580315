// The link mailed at sign-up (/verify-email?token=…): confirms the address, then refreshes a signed-in
// session's access token so its email_verified claim reads true at once (billing and investment check it).
import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { publicAuth } from "../api/clients";
import { getSession, refresh } from "../auth/session";
import { ErrorBox, Loading } from "../components/States";

async function verify(token: string): Promise<boolean> {
  await publicAuth.verifyEmail({ token });
  if (!getSession()) return false;
  await refresh();
  return true;
}

export default function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  // A query, not an effect: one call per token even when the page renders twice.
  const q = useQuery({
    queryKey: ["verify-email", token],
    queryFn: () => verify(token),
    enabled: token !== "",
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return (
    <section className="auth card">
      <h1>Verify your email</h1>
      {!token && <p role="alert">This link has no verification token. Sign in and ask for a new link.</p>}
      {token && q.isPending && <Loading what="the verification" />}
      {q.error && <ErrorBox error={q.error} />}
      {q.isSuccess && (
        <p role="status">
          Your email is verified. You can now pay and fund your wallet.{" "}
          {q.data ? <Link to="/billing">Go to billing</Link> : <Link to="/signin">Sign in</Link>}
        </p>
      )}
    </section>
  );
}
