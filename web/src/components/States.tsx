import { Code } from "@connectrpc/connect";
import type { ReactNode } from "react";
import { emailNotVerified, problem } from "../api/errors";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

// Trying again cannot change these answers.
const FINAL = [Code.Unimplemented, Code.PermissionDenied, Code.InvalidArgument];

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  const p = problem(error);
  if ((p.code !== undefined && FINAL.includes(p.code)) || emailNotVerified(error)) retry = undefined;
  return (
    <div className="state error" role="alert">
      <strong>{p.title}.</strong> <span className="detail">{p.detail}</span>
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** The three states of a query, then its content. */
export function Query<T>({
  q,
  what,
  empty,
  children,
}: {
  q: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  what: string;
  empty?: (data: T) => ReactNode | null;
  children: (data: T) => ReactNode;
}) {
  if (q.error) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  if (q.isPending || q.data === undefined) return <Loading what={what} />;
  const none = empty?.(q.data);
  return <>{none ? <Empty>{none}</Empty> : children(q.data)}</>;
}
