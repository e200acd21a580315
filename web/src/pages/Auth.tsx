import { useState, type FormEvent } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { publicAuth } from "../api/clients";
import { startSession } from "../auth/session";
import { ErrorBox } from "../components/States";

const OAUTH_PROVIDERS = [
  ["google", "Google"],
  ["github", "GitHub"],
] as const;

function useAfterSignIn() {
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "/trading";
  return () => navigate(from, { replace: true });
}

function OAuthButtons({ onError }: { onError: (e: unknown) => void }) {
  const start = async (provider: string) => {
    try {
      const redirectUri = `${window.location.origin}/oauth/callback/${provider}`;
      const r = await publicAuth.startOAuth({ provider, redirectUri });
      sessionStorage.setItem(`oauth.${provider}`, r.state);
      sessionStorage.setItem(`oauth.${provider}.binding`, r.browserBinding);
      window.location.assign(r.authorizeUrl);
    } catch (e) {
      onError(e);
    }
  };
  return (
    <div className="oauth">
      {OAUTH_PROVIDERS.map(([id, label]) => (
        <button key={id} type="button" onClick={() => void start(id)}>
          Continue with {label}
        </button>
      ))}
    </div>
  );
}

export function SignIn() {
  const [params] = useSearchParams();
  const done = useAfterSignIn();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState("");

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      if (challenge) {
        const r = await publicAuth.verifyTwoFactor({ token: String(form.get("code")), challenge });
        startSession(r.tokens, r.user);
        return done();
      }
      const r = await publicAuth.login({ email: String(form.get("email")), password: String(form.get("password")) });
      if (r.twoFactor?.challenge) {
        setChallenge(r.twoFactor.challenge);
      } else {
        startSession(r.tokens, r.user);
        done();
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth card">
      <h1>Sign in</h1>
      {params.get("expired") && (
        <p className="state notice" role="status">
          Your session expired. Sign in again to continue.
        </p>
      )}
      <form onSubmit={submit} aria-busy={busy}>
        {challenge ? (
          <label>
            Code from your authenticator app
            <input name="code" inputMode="numeric" autoComplete="one-time-code" required minLength={6} autoFocus />
          </label>
        ) : (
          <>
            <label>
              Email
              <input name="email" type="email" autoComplete="email" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" required />
            </label>
          </>
        )}
        {error !== null && <ErrorBox error={error} />}
        <button className="primary" type="submit" disabled={busy}>
          {challenge ? "Verify" : "Sign in"}
        </button>
      </form>
      {!challenge && <OAuthButtons onError={setError} />}
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
      <p>
        New here? <Link to="/register">Create an account</Link>
      </p>
    </section>
  );
}

export function Register() {
  const done = useAfterSignIn();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const r = await publicAuth.register({
        email: String(f.get("email")),
        password: String(f.get("password")),
        firstName: String(f.get("firstName")),
        lastName: String(f.get("lastName")),
      });
      startSession(r.tokens, r.user);
      done();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth card">
      <h1>Create your account</h1>
      <form onSubmit={submit} aria-busy={busy}>
        <div className="row">
          <label>
            First name
            <input name="firstName" autoComplete="given-name" required maxLength={100} />
          </label>
          <label>
            Last name
            <input name="lastName" autoComplete="family-name" required maxLength={100} />
          </label>
        </div>
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password <span className="hint">(at least 10 characters)</span>
          <input name="password" type="password" autoComplete="new-password" required minLength={10} />
        </label>
        {error !== null && <ErrorBox error={error} />}
        <button className="primary" type="submit" disabled={busy}>
          Create account
        </button>
      </form>
      <OAuthButtons onError={setError} />
      <p>
        Already registered? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}
