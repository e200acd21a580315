// The signed-in session: tokens in localStorage (seed 8.1), refreshed in the background a minute
// before the access token expires, shared between tabs through the storage event.
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { AuthService } from "../gen/trading/auth/v1/auth_service_pb";
import type { TokenPair, User } from "../gen/trading/auth/v1/auth_messages_pb";
import { bareTransport, setTokenSource } from "../api/transport";

const KEY = "trading.session";
const REFRESH_BEFORE_MS = 60_000;
const RETRY_MS = 15_000;
const REFUSALS = [Code.Unauthenticated, Code.InvalidArgument, Code.NotFound, Code.PermissionDenied, Code.FailedPrecondition];

export interface Session {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number; // epoch ms
  user: { id: string; email: string; firstName: string; twoFactor: boolean };
}

export type EndReason = "signed-out" | "expired";
type Listener = (session: Session | null, reason?: EndReason) => void;

const listeners = new Set<Listener>();
let current: Session | null = load();
let lastEnd: EndReason | undefined;
let refreshing: Promise<Session | null> | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const authClient = createClient(AuthService, bareTransport);

function load(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function emit(reason?: EndReason): void {
  for (const l of listeners) l(current, reason);
  setTokenSource({
  accessToken,
  renew: () => refresh().then((s) => s?.accessToken ?? null, () => null),
});
schedule();
}

function schedule(): void {
  clearTimeout(timer);
  if (!current) return;
  const wait = Math.max(0, current.accessExpiresAt - Date.now() - REFRESH_BEFORE_MS);
  timer = setTimeout(() => void refresh().catch(() => null), wait); // a refusal has ended the session
}

export function getSession(): Session | null {
  return current;
}

/** Whether the access token says the email is verified (the claim money-moving calls check). */
export function emailVerified(session: Session): boolean {
  try {
    const part = session.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).email_verified === true;
  } catch {
    return false;
  }
}

/** Why the last session ended (for a listener that subscribes after it happened). */
export function lastEndReason(): EndReason | undefined {
  return lastEnd;
}

export function onSession(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function startSession(tokens: TokenPair | undefined, user: User | undefined): Session {
  if (!tokens || !user) throw new Error("The server answered without tokens.");
  current = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessExpiresAt: Date.now() + tokens.expiresIn * 1000,
    user: { id: user.id, email: user.email, firstName: user.firstName, twoFactor: user.twoFactorEnabled },
  };
  localStorage.setItem(KEY, JSON.stringify(current));
  emit();
  return current;
}

export function updateUser(user: User): void {
  if (!current) return;
  current = {
    ...current,
    user: { id: user.id, email: user.email, firstName: user.firstName, twoFactor: user.twoFactorEnabled },
  };
  localStorage.setItem(KEY, JSON.stringify(current));
  emit();
}

export function endSession(reason: EndReason): void {
  current = null;
  lastEnd = reason;
  localStorage.removeItem(KEY);
  emit(reason);
}

/** A new access token from the refresh token (one request however many callers ask at once). */
export function refresh(): Promise<Session | null> {
  if (refreshing) return refreshing;
  const session = current;
  if (!session) return Promise.resolve(null);
  refreshing = authClient
    .refreshToken({ refreshToken: session.refreshToken })
    .then((r) => {
      current = {
        ...session,
        accessToken: r.accessToken,
        refreshToken: r.refreshToken || session.refreshToken,
        accessExpiresAt: Date.now() + r.expiresIn * 1000,
      };
      localStorage.setItem(KEY, JSON.stringify(current));
      emit();
      return current;
    })
    .catch((e: unknown) => {
      // Offline or a server hiccup: keep the session and try again later. A refusal ends it.
      const refused = e instanceof ConnectError && REFUSALS.includes(e.code);
      if (!navigator.onLine || !refused) {
        timer = setTimeout(() => void refresh().catch(() => null), RETRY_MS);
        return current;
      }
      endSession("expired");
      throw e;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The access token to send now: refreshed first when it is about to expire. */
export async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (current.accessExpiresAt - Date.now() < REFRESH_BEFORE_MS / 2) {
    await refresh().catch(() => null);
  }
  return current?.accessToken ?? null;
}

export async function signOut(): Promise<void> {
  const session = current;
  endSession("signed-out");
  if (session) {
    await authClient.logout({ refreshToken: session.refreshToken }).catch(() => undefined);
  }
}

window.addEventListener("storage", (e) => {
  if (e.key !== KEY) return;
  const next = load();
  const wasSignedIn = current !== null;
  current = next;
  emit(!next && wasSignedIn ? "signed-out" : undefined);
});
window.addEventListener("online", () => {
  if (current && current.accessExpiresAt - Date.now() < REFRESH_BEFORE_MS) void refresh().catch(() => null);
});
setTokenSource({
  accessToken,
  renew: () => refresh().then((s) => s?.accessToken ?? null, () => null),
});
schedule();
