// Shown to a signed-in user whose email is not verified: money-moving calls refuse them until it is.
import { useMutation } from "@tanstack/react-query";
import { publicAuth } from "../api/clients";
import { emailVerified, type Session } from "../auth/session";
import { ErrorBox } from "./States";

export function VerifyBanner({ session }: { session: Session }) {
  const resend = useMutation({ mutationFn: () => publicAuth.resendVerification({ email: session.user.email }) });
  if (emailVerified(session)) return null;
  return (
    <div className="banner verify" role="region" aria-label="Email verification">
      <p>
        <strong>Verify your email to pay or fund your wallet.</strong> Follow the link we mailed to{" "}
        {session.user.email}.{" "}
        {resend.isSuccess ? (
          <span role="status">A new link is on its way.</span>
        ) : (
          <button type="button" className="link" disabled={resend.isPending} onClick={() => resend.mutate()}>
            Send the link again
          </button>
        )}
      </p>
      {resend.error && <ErrorBox error={resend.error} />}
    </div>
  );
}
