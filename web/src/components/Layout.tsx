import type { ReactNode } from "react";
import { NavLink } from "react-router";
import { signOut, type Session } from "../auth/session";
import { useLiveStatus, useOnline } from "../live/hooks";
import { UserEvents } from "./UserEvents";
import { VerifyBanner } from "./VerifyBanner";

const LINKS = [
  ["/trading", "Trading"],
  ["/signals", "Signals"],
  ["/learn", "Learn"],
  ["/invest", "Invest"],
  ["/billing", "Billing"],
  ["/assistant", "Assistant"],
  ["/account", "Account"],
] as const;

export function Layout({ session, children }: { session: Session | null; children: ReactNode }) {
  const online = useOnline();
  const live = useLiveStatus();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="/">
          Trading
        </a>
        {session && (
          <nav aria-label="Main">
            <ul>
              {LINKS.map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to}>{label}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        {session && (
          <div className="who">
            <span className={`live live-${live}`} title={`Live events: ${live}`}>
              <span aria-hidden="true">●</span> <span className="sr-only">Live events </span>
              {live}
            </span>
            <button type="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {!online && (
        <p className="banner offline" role="alert">
          You are offline. Prices and orders will update when the connection is back.
        </p>
      )}
      {session && <VerifyBanner session={session} />}
      {session && <UserEvents userId={session.user.id} />}
      <main id="main">{children}</main>
    </>
  );
}
