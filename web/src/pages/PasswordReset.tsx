// Forgotten passwords: ask for a link (the answer is the same whether the address has an account),
// then set a new password with the single-use token the link carries (/reset-password?token=…).
import { useMutation } from "@tanstack/react-query";
import type { FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { publicAuth } from "../api/clients";
import { ErrorBox } from "../components/States";

const field = (e: FormEvent<HTMLFormElement>, name: string) => String(new FormData(e.currentTarget).get(name) ?? "");

export function ForgotPassword() {
  const ask = useMutation({ mutationFn: (email: string) => publicAuth.forgotPassword({ email }) });
  return (
    <section className="auth card">
      <h1>Forgot your password?</h1>
      {ask.isSuccess ? (
        <p role="status">If {ask.variables} has an account, a link to set a new password is on its way. It works for 15 minutes.</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            ask.mutate(field(e, "email"));
          }}
        >
          <label>
            Email
            <input name="email" type="email" autoComplete="email" required />
          </label>
          {ask.error && <ErrorBox error={ask.error} />}
          <button className="primary" type="submit" disabled={ask.isPending}>
            Send me a link
          </button>
        </form>
      )}
      <p>
        <Link to="/signin">Back to sign in</Link>
      </p>
    </section>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const reset = useMutation({
    mutationFn: (newPassword: string) => publicAuth.resetPassword({ token, newPassword }),
  });
  return (
    <section className="auth card">
      <h1>Set a new password</h1>
      {!token && <p role="alert">This link has no reset token. Ask for a new link.</p>}
      {reset.isSuccess ? (
        <p role="status">
          Your password is set and every session was signed out. <Link to="/signin">Sign in</Link>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate(field(e, "password"));
          }}
        >
          <label>
            New password <span className="hint">(at least 10 characters)</span>
            <input name="password" type="password" autoComplete="new-password" required minLength={10} maxLength={128} />
          </label>
          {reset.error && <ErrorBox error={reset.error} />}
          <button className="primary" type="submit" disabled={reset.isPending || !token}>
            Set the password
          </button>
        </form>
      )}
      <p>
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </section>
  );
}
