// gRPC-Web through Envoy (same origin), with the session's token on every call.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";

const baseUrl = window.location.origin;

/** No token: sign-up, sign-in and the token refresh itself. */
export const bareTransport = createGrpcWebTransport({ baseUrl });

/** Where tokens come from: the session module registers itself (it builds its client on bareTransport). */
export interface TokenSource {
  accessToken(): Promise<string | null>;
  /** A new access token, or null when the session ended. */
  renew(): Promise<string | null>;
}

let tokens: TokenSource = { accessToken: async () => null, renew: async () => null };

export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

const withToken: Interceptor = (next) => async (req) => {
  const token = await tokens.accessToken();
  if (token) req.header.set("authorization", `Bearer ${token}`);
  try {
    return await next(req);
  } catch (e) {
    // A token revoked or expired early: one refresh, one retry; the refresh ends the session if refused.
    if (token && e instanceof ConnectError && e.code === Code.Unauthenticated) {
      const renewed = await tokens.renew();
      if (renewed) {
        req.header.set("authorization", `Bearer ${renewed}`);
        return await next(req);
      }
    }
    throw e;
  }
};

export const transport = createGrpcWebTransport({ baseUrl, interceptors: [withToken] });
