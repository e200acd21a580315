// The event WebSocket (/ws): one connection, many channel subscriptions (seed 5.2).
// The token travels in the subprotocol header (never in the URL); a refreshed token is sent
// again as an "auth" message; a dropped connection comes back with exponential backoff. A close
// with 4401 (the token was refused, or SESSION_REVOKED: every session of the user was ended) asks
// for a new token first: a revoked refresh token ends the session with the expired notice.
import { getSession, onSession, refresh } from "../auth/session";

export interface LiveEvent {
  id: string;
  type: string;
  channel: string;
  occurred_at?: string;
  [payload: string]: unknown;
}

export type LiveStatus = "connecting" | "live" | "offline";
type Handler = (event: LiveEvent) => void;
const UNAUTHORIZED = 4401;

class LiveSocket {
  private ws: WebSocket | null = null;
  private handlers = new Map<string, Set<Handler>>();
  private statusListeners = new Set<(s: LiveStatus) => void>();
  private retry = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private sentToken = "";
  status: LiveStatus = "offline";

  constructor() {
    onSession((session) => {
      if (!session) this.close();
      else if (this.ws && this.status === "live" && session.accessToken !== this.sentToken) {
        this.sentToken = session.accessToken;
        this.ws.send(JSON.stringify({ type: "auth", token: session.accessToken }));
      } else if (!this.ws && this.handlers.size) this.open();
    });
    window.addEventListener("online", () => this.handlers.size && !this.ws && this.open());
  }

  subscribe(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.send({ type: "subscribe", channels: [channel] });
    }
    set.add(handler);
    if (!this.ws) this.open();
    return () => {
      const handlers = this.handlers.get(channel);
      handlers?.delete(handler);
      if (handlers && handlers.size === 0) {
        this.handlers.delete(channel);
        this.send({ type: "unsubscribe", channels: [channel] });
      }
    };
  }

  onStatus(listener: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    document.documentElement.dataset.live = status;
    for (const l of this.statusListeners) l(status);
  }

  private send(message: object): void {
    if (this.ws && this.status === "live") this.ws.send(JSON.stringify(message));
  }

  private open(): void {
    const session = getSession();
    if (!session) return;
    clearTimeout(this.retryTimer);
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${window.location.host}/ws`, [
      "trading.v1",
      `bearer.${session.accessToken}`,
    ]);
    this.sentToken = session.accessToken;
    this.ws = ws;
    this.setStatus("connecting");
    ws.onmessage = (m) => this.receive(ws, JSON.parse(String(m.data)));
    ws.onclose = (closed) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus("offline");
      if (closed.code === UNAUTHORIZED) {
        // A new token reopens it (the session listener); a refused refresh ends the session.
        void refresh().catch(() => null);
        return;
      }
      if (getSession() && this.handlers.size) {
        const delay = Math.min(30_000, 500 * 2 ** this.retry++);
        this.retryTimer = setTimeout(() => this.open(), delay);
      }
    };
  }

  private receive(ws: WebSocket, frame: { type: string; channel?: string; event?: LiveEvent }): void {
    if (frame.type === "ready" && this.status !== "live") {
      this.retry = 0;
      this.setStatus("live");
      if (this.handlers.size) ws.send(JSON.stringify({ type: "subscribe", channels: [...this.handlers.keys()] }));
    } else if (frame.type === "subscribed") {
      document.documentElement.dataset.subscribed = [...this.handlers.keys()].join(" ");
    } else if (frame.type === "event" && frame.channel && frame.event) {
      for (const h of this.handlers.get(frame.channel) ?? []) h(frame.event);
    }
  }

  close(): void {
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.setStatus("offline");
  }
}

export const live = new LiveSocket();
