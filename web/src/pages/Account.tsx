// The account: profile, and the changes that need a fresh proof of identity. Password, email and
// two-factor changes first ask for the current password (and a 2FA code when it is on) through
// ConfirmIdentity, then send the short-lived reauth token with the change.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { auth } from "../api/clients";
import { getSession, startSession, updateUser } from "../auth/session";
import { ErrorBox, Query } from "../components/States";
import type { User } from "../gen/trading/auth/v1/auth_messages_pb";

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

const field = (e: FormEvent<HTMLFormElement>, name: string) => String(new FormData(e.currentTarget).get(name) ?? "");

function CodeInput({ label = "Two-factor code" }: { label?: string }) {
  return (
    <label>
      {label}
      <input name="code" inputMode="numeric" autoComplete="one-time-code" required minLength={6} maxLength={32} />
    </label>
  );
}

/** Asks for the current password (and a 2FA code when on), then hands the reauth token on. */
function ConfirmIdentity({ twoFactor, what, onToken }: { twoFactor: boolean; what: string; onToken: (t: string) => void }) {
  const confirm = useMutation({
    mutationFn: (f: { password: string; code: string }) =>
      auth.confirmIdentity({ password: f.password, twoFactorCode: f.code }),
    onSuccess: (r) => onToken(r.reauthToken),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    confirm.mutate({ password: field(e, "password"), code: twoFactor ? field(e, "code") : "" });
  };
  return (
    <form onSubmit={submit} aria-label={`Confirm it's you to ${what}`}>
      <p>Confirm it's you to {what}.</p>
      <label>
        Current password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {twoFactor && <CodeInput />}
      {confirm.error && <ErrorBox error={confirm.error} />}
      <button className="primary" type="submit" disabled={confirm.isPending}>
        Confirm it's you
      </button>
    </form>
  );
}

/** A change behind ConfirmIdentity: the button opens the proof, then `children` gets the token. */
function StepUp({ label, what, twoFactor, children }: { label: string; what: string; twoFactor: boolean; children: (token: string) => ReactNode }) {
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState<string | null>(null);
  if (token) return <>{children(token)}</>;
  if (open) return <ConfirmIdentity twoFactor={twoFactor} what={what} onToken={setToken} />;
  return (
    <button type="button" onClick={() => setOpen(true)}>
      {label}
    </button>
  );
}

function TwoFactorSetup({ reauthToken }: { reauthToken: string }) {
  const setup = useQuery({
    queryKey: ["2fa-setup", reauthToken],
    queryFn: () => auth.setupTwoFactor({ reauthToken }),
    staleTime: Infinity,
    retry: false,
  });
  const verify = useMutation({
    mutationFn: (token: string) => auth.verifyTwoFactor({ token, challenge: "", reauthToken }),
    onSuccess: (r) => r.user && updateUser(r.user),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    verify.mutate(field(e, "code"));
  };
  if (verify.data?.success)
    return (
      <div>
        <p role="status">Two-factor authentication is on. Keep these recovery codes somewhere safe:</p>
        <ul className="codes">
          {verify.data.recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
      </div>
    );
  return (
    <Query q={setup} what="the two-factor key">
      {(d) => (
        <form onSubmit={submit}>
          <p>Scan this code with an authenticator app, then enter the six digits it shows.</p>
          <img className="qr" width={180} height={180} src={`data:image/png;base64,${toBase64(d.qrCode)}`} alt={`QR code for ${d.otpauthUri}`} />
          <p className="hint">
            Or type the key: <code>{d.secret}</code>
          </p>
          <CodeInput label="Code" />
          {verify.error && <ErrorBox error={verify.error} />}
          <button className="primary" type="submit" disabled={verify.isPending}>
            Turn on
          </button>
        </form>
      )}
    </Query>
  );
}

function TwoFactorDisable({ reauthToken }: { reauthToken: string }) {
  const queries = useQueryClient();
  const disable = useMutation({
    mutationFn: (token: string) => auth.disableTwoFactor({ token, reauthToken }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["me"] }),
  });
  if (disable.isSuccess) return <p role="status">Two-factor authentication is off.</p>;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        disable.mutate(field(e, "code"));
      }}
    >
      <CodeInput label="A code to turn two-factor off" />
      {disable.error && <ErrorBox error={disable.error} />}
      <button type="submit" disabled={disable.isPending}>
        Turn off
      </button>
    </form>
  );
}

function ChangeEmail({ reauthToken }: { reauthToken: string }) {
  const change = useMutation({ mutationFn: (newEmail: string) => auth.changeEmail({ newEmail, reauthToken }) });
  if (change.isSuccess)
    return <p role="status">We sent a link to {change.variables}: the address changes when you open it.</p>;
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate(field(e, "email"));
      }}
    >
      <label>
        New email
        <input name="email" type="email" autoComplete="email" required />
      </label>
      {change.error && <ErrorBox error={change.error} />}
      <button className="primary" type="submit" disabled={change.isPending}>
        Change email
      </button>
    </form>
  );
}

// ChangePassword takes the proof inline and ends every other session; it answers new tokens.
function ChangePassword({ user }: { user: User }) {
  const [open, setOpen] = useState(false);
  const change = useMutation({
    mutationFn: (f: { current: string; next: string; code: string }) =>
      auth.changePassword({ currentPassword: f.current, newPassword: f.next, twoFactorCode: f.code }),
    onSuccess: (r) => getSession() && startSession(r.tokens, user),
  });
  if (change.isSuccess) return <p role="status">Password changed. Other devices are signed out.</p>;
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Change password
      </button>
    );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate({ current: field(e, "current"), next: field(e, "next"), code: user.twoFactorEnabled ? field(e, "code") : "" });
      }}
    >
      <label>
        Current password
        <input name="current" type="password" autoComplete="current-password" required />
      </label>
      <label>
        New password <span className="hint">(at least 10 characters)</span>
        <input name="next" type="password" autoComplete="new-password" required minLength={10} maxLength={128} />
      </label>
      {user.twoFactorEnabled && <CodeInput />}
      {change.error && <ErrorBox error={change.error} />}
      <button className="primary" type="submit" disabled={change.isPending}>
        Save the new password
      </button>
    </form>
  );
}

export default function Account() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => auth.getMe({}) });
  return (
    <section>
      <h1>Account</h1>
      <Query q={me} what="your account">
        {({ user }) =>
          user && (
            <div className="card">
              <dl className="facts">
                <dt>Name</dt>
                <dd>
                  {user.firstName} {user.lastName}
                </dd>
                <dt>Email</dt>
                <dd>
                  {user.email} {user.emailVerified ? "(verified)" : "(not verified yet)"}
                </dd>
                <dt>Two-factor authentication</dt>
                <dd>{user.twoFactorEnabled ? "On" : "Off"}</dd>
              </dl>
              <div className="stack">
                {user.twoFactorEnabled ? (
                  <StepUp label="Turn off two-factor authentication" what="turn two-factor off" twoFactor>
                    {(t) => <TwoFactorDisable reauthToken={t} />}
                  </StepUp>
                ) : (
                  <StepUp label="Protect my account with a second factor" what="set up two-factor" twoFactor={false}>
                    {(t) => <TwoFactorSetup reauthToken={t} />}
                  </StepUp>
                )}
                <StepUp label="Change email" what="change your email" twoFactor={user.twoFactorEnabled}>
                  {(t) => <ChangeEmail reauthToken={t} />}
                </StepUp>
                <ChangePassword user={user} />
              </div>
            </div>
          )
        }
      </Query>
    </section>
  );
}
