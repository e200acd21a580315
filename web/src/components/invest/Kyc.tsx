import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { investment } from "../../api/clients";
import { ErrorBox } from "../States";
import { KycStatus } from "../../gen/trading/broker/v1/investment_messages_pb";

const SAID: Partial<Record<KycStatus, string>> = {
  [KycStatus.PENDING]: "Your identity check is pending review. You can open an account once it is approved.",
  [KycStatus.APPROVED]: "Your identity is verified.",
  [KycStatus.REJECTED]: "Your identity check was rejected. Check your details and submit again.",
};

/** The identity check (KYC) an account needs: the user submits it, an administrator reviews it.
 * The contract has no read of the check's state: an opened account proves it approved. */
export function KycForm({ verified }: { verified: boolean }) {
  const [status, setStatus] = useState<KycStatus | undefined>(undefined);
  const submit = useMutation({
    mutationFn: (f: FormData) =>
      investment.submitKyc({
        fullName: String(f.get("fullName")).trim(),
        country: String(f.get("country")).trim().toUpperCase(),
        documentNumber: String(f.get("document")).trim(),
      }),
    onSuccess: (r) => setStatus(r.status),
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit.mutate(new FormData(e.currentTarget));
  };
  if (verified) {
    return (
      <p className="card" role="status" data-testid="kyc-status" data-kyc="approved">
        {SAID[KycStatus.APPROVED]}
      </p>
    );
  }
  return (
    <form className="card" onSubmit={onSubmit} aria-labelledby="kyc-title">
      <h2 id="kyc-title">Identity check</h2>
      <p className="hint">An investment account needs a verified identity. An administrator reviews what you send.</p>
      <div className="row">
        <label>
          Full name
          <input name="fullName" required maxLength={200} autoComplete="name" />
        </label>
        <label>
          Country (2 letters)
          <input name="country" required pattern="[A-Za-z]{2}" maxLength={2} autoComplete="country" />
        </label>
        <label>
          Document number
          <input name="document" required maxLength={64} />
        </label>
        <button type="submit" disabled={submit.isPending}>
          Submit for review
        </button>
      </div>
      {status !== undefined && SAID[status] && (
        <p role="status" data-testid="kyc-status" data-kyc={KycStatus[status].toLowerCase()}>
          {SAID[status]}
        </p>
      )}
      {submit.error && <ErrorBox error={submit.error} />}
    </form>
  );
}
