import { useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { publicAuth } from "../api/clients";
import { startSession } from "../auth/session";
import { ErrorBox, Loading } from "../components/States";

export default function OAuthCallback() {
  const { provider = "" } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [challenge, setChallenge] = useState(false);

  useEffect(() => {
    const state = params.get("state") ?? "";
    if (state !== sessionStorage.getItem(`oauth.${provider}`)) {
      setError(new Error("This sign-in link is not the one this browser started. Start again."));
      return;
    }
    publicAuth
      .oAuthLogin({
        provider,
        code: params.get("code") ?? "",
        state,
        redirectUri: `${window.location.origin}/oauth/callback/${provider}`,
        browserBinding: sessionStorage.getItem(`oauth.${provider}.binding`) ?? "",
      })
      .then((r) => {
        sessionStorage.removeItem(`oauth.${provider}`);
        sessionStorage.removeItem(`oauth.${provider}.binding`);
        if (r.twoFactor?.challenge) return setChallenge(true);
        startSession(r.tokens, r.user);
        navigate("/trading", { replace: true });
      })
      .catch(setError);
  }, [provider, params, navigate]);

  if (challenge)
    return (
      <p className="state">
        Two-factor authentication is on for this account: <Link to="/signin">sign in with your password</Link>.
      </p>
    );
  if (error) return <ErrorBox error={error} />;
  return <Loading what="your account" />;
}
