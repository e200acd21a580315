import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { auth } from "../api/clients";
import { updateUser } from "../auth/session";
import { ErrorBox, Query } from "../components/States";

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function TwoFactorSetup() {
  const setup = useMutation({ mutationFn: () => auth.setupTwoFactor({}) });
  const verify = useMutation({
    mutationFn: (token: string) => auth.verifyTwoFactor({ token, challenge: "" }),
    onSuccess: (r) => r.user && updateUser(r.user),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    verify.mutate(String(new FormData(e.currentTarget).get("code")));
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
  if (!setup.data)
    return (
      <>
        <button type="button" onClick={() => setup.mutate()} disabled={setup.isPending}>
          Set up two-factor authentication
        </button>
        {setup.error && <ErrorBox error={setup.error} />}
      </>
    );
  return (
    <form onSubmit={submit}>
      <p>Scan this code with an authenticator app, then enter the six digits it shows.</p>
      <img
        className="qr"
        width={180}
        height={180}
        src={`data:image/png;base64,${toBase64(setup.data.qrCode)}`}
        alt={`QR code for ${setup.data.otpauthUri}`}
      />
      <p className="hint">
        Or type the key: <code>{setup.data.secret}</code>
      </p>
      <label>
        Code
        <input name="code" inputMode="numeric" autoComplete="one-time-code" required minLength={6} />
      </label>
      {verify.error && <ErrorBox error={verify.error} />}
      <button className="primary" type="submit" disabled={verify.isPending}>
        Turn on
      </button>
    </form>
  );
}

export default function Account() {
  const me = useQuery({ queryKey: ["me"], queryFn: () => auth.getMe({}) });
  const [showSetup, setShowSetup] = useState(false);
  return (
    <section>
      <h1>Account</h1>
      <Query q={me} what="your account">
        {({ user }) => (
          <div className="card">
            <dl className="facts">
              <dt>Name</dt>
              <dd>
                {user?.firstName} {user?.lastName}
              </dd>
              <dt>Email</dt>
              <dd>
                {user?.email} {user?.emailVerified ? "(verified)" : "(not verified yet)"}
              </dd>
              <dt>Two-factor authentication</dt>
              <dd>{user?.twoFactorEnabled ? "On" : "Off"}</dd>
            </dl>
            {!user?.twoFactorEnabled &&
              (showSetup ? (
                <TwoFactorSetup />
              ) : (
                <button type="button" onClick={() => setShowSetup(true)}>
                  Protect my account with a second factor
                </button>
              ))}
          </div>
        )}
      </Query>
    </section>
  );
}
