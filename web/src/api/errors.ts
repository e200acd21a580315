// What a failed call means to a person: the server's own message, never a stack trace.
import { Code, ConnectError } from "@connectrpc/connect";

export interface Problem {
  title: string;
  detail: string;
  code?: Code;
}

const TITLES: Partial<Record<Code, string>> = {
  [Code.Unimplemented]: "Not available yet",
  [Code.Unauthenticated]: "Your session has ended",
  [Code.PermissionDenied]: "Not allowed",
  [Code.InvalidArgument]: "Please check the form",
  [Code.NotFound]: "Not found",
  [Code.FailedPrecondition]: "Can't do that now",
  [Code.ResourceExhausted]: "Too many requests",
  [Code.AlreadyExists]: "Already exists",
  [Code.Unavailable]: "Service unavailable",
  [Code.DeadlineExceeded]: "The server took too long",
};

export function problem(error: unknown): Problem {
  if (!navigator.onLine) {
    return { title: "You are offline", detail: "Reconnect to the internet and try again." };
  }
  if (error instanceof ConnectError) {
    const network = error.code === Code.Unknown && /fetch|network/i.test(error.rawMessage);
    if (network) return { title: "Can't reach the server", detail: "Check your connection and try again." };
    if (emailNotVerified(error)) {
      return {
        title: "Verify your email first",
        detail: "Verify your email to pay or fund your wallet: follow the link we mailed you, or ask for a new one above.",
        code: error.code,
      };
    }
    return {
      title: TITLES[error.code] ?? "Something went wrong",
      detail: error.rawMessage || Code[error.code],
      code: error.code,
    };
  }
  return { title: "Something went wrong", detail: error instanceof Error ? error.message : String(error) };
}

/** The refusal of a money-moving call until the email address is verified (ErrorInfo EMAIL_NOT_VERIFIED). */
export function emailNotVerified(error: unknown): boolean {
  return (
    error instanceof ConnectError &&
    error.code === Code.FailedPrecondition &&
    /verify your email/i.test(error.rawMessage)
  );
}
