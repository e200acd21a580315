import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useLocation } from "react-router";
import { billing } from "../api/clients";
import { refresh } from "../auth/session";
import { ErrorBox, Loading, Query } from "../components/States";
import {
  BillingInterval,
  DepositMethod,
  PlanTier,
  SubscriptionStatus,
  WalletTransactionType,
} from "../gen/trading/billing/v1/billing_messages_pb";
import { enumLabel, idempotencyKey, money } from "../lib/format";

function Plans() {
  const plans = useQuery({ queryKey: ["billing", "plans"], queryFn: () => billing.listPlans({}) });
  const checkout = useMutation({
    mutationFn: (planId: string) => billing.createCheckoutSession({ planId, idempotencyKey: idempotencyKey() }),
    onSuccess: (r) => window.location.assign(r.checkoutUrl),
  });
  return (
    <>
      <h2>Plans</h2>
      {checkout.error && <ErrorBox error={checkout.error} />}
      <Query q={plans} what="plans" empty={(d) => (d.plans.length ? null : "No plans are offered.")}>
        {(d) => (
          <ul className="cards">
            {d.plans.map((p) => (
              <li key={p.id} className="card">
                <h3>{p.name}</h3>
                <p className="price">
                  {money(p.price)} / {enumLabel(BillingInterval[p.interval], "").toLowerCase()}
                </p>
                <ul>
                  {p.features.map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
                {p.tier !== PlanTier.FREE && (
                  <button className="primary" type="button" onClick={() => checkout.mutate(p.id)} disabled={checkout.isPending}>
                    Choose {p.name}, {enumLabel(BillingInterval[p.interval], "").toLowerCase()}ly
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Query>
    </>
  );
}

function SubscriptionCard() {
  const queries = useQueryClient();
  const sub = useQuery({ queryKey: ["billing", "subscription"], queryFn: () => billing.getSubscription({}) });
  const cancel = useMutation({
    mutationFn: () => billing.cancelSubscription({ immediately: false }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["billing"] }),
  });
  return (
    <>
      <h2>Subscription</h2>
      <Query q={sub} what="your subscription">
        {(d) => (
          <div className="card">
            <p>
              Plan: <strong>{enumLabel(PlanTier[d.tier], "")}</strong>
              {d.subscription && ` · ${enumLabel(SubscriptionStatus[d.subscription.status], "")}`}
              {d.subscription?.cancelAtPeriodEnd && " · ends at the period's end"}
            </p>
            {d.subscription && !d.subscription.cancelAtPeriodEnd && (
              <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
                Cancel subscription
              </button>
            )}
            {cancel.error && <ErrorBox error={cancel.error} />}
          </div>
        )}
      </Query>
    </>
  );
}

function Wallet() {
  const queries = useQueryClient();
  const [amount, setAmount] = useState("100");
  const wallet = useQuery({ queryKey: ["billing", "wallet"], queryFn: () => billing.getWallet({}) });
  const deposit = useMutation({
    mutationFn: () =>
      billing.createWalletDeposit({
        amount: { currency: wallet.data?.balance?.currency || "USD", minorUnits: BigInt(Math.round(Number(amount) * 100)) },
        method: DepositMethod.CARD,
        idempotencyKey: idempotencyKey(),
      }),
    // The provider's payment page (Stripe's next action; the twin's Pay page without Stripe keys).
    onSuccess: (r) => {
      void queries.invalidateQueries({ queryKey: ["billing", "wallet"] });
      if (r.paymentIntent?.redirectUrl) window.location.assign(r.paymentIntent.redirectUrl);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    deposit.mutate();
  };
  return (
    <>
      <h2>Wallet</h2>
      <Query q={wallet} what="your wallet">
        {(d) => (
          <div className="card">
            <p>
              Balance <strong data-testid="wallet-balance">{money(d.balance)}</strong>
              {d.pendingDeposits && d.pendingDeposits.minorUnits > 0n && ` (${money(d.pendingDeposits)} pending)`}
            </p>
            <form onSubmit={submit} className="row">
              <label>
                Deposit amount
                <input inputMode="decimal" required pattern="[0-9]+(\.[0-9]{1,2})?" value={amount} onChange={(e) => setAmount(e.target.value)} />
              </label>
              <button type="submit" disabled={deposit.isPending}>
                Deposit
              </button>
            </form>
            {deposit.error && <ErrorBox error={deposit.error} />}
            {deposit.data && <p role="status">Deposit started: {deposit.data.paymentIntent?.id}</p>}
            {d.transactions.length ? (
              <ul className="ledger">
                {d.transactions.map((t) => (
                  <li key={t.id}>
                    {enumLabel(WalletTransactionType[t.type], "")} {money(t.amount)} · {t.description}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="state empty">No transactions yet.</p>
            )}
          </div>
        )}
      </Query>
    </>
  );
}

// Checkout sends the customer back to /billing/success (or /billing/cancel); the webhooks have
// been delivered by then, so the subscription read on this page is already the new one.
function CheckoutOutcome() {
  const { pathname } = useLocation();
  if (pathname.endsWith("/success")) return <p role="status">Payment received: your plan is updated below.</p>;
  if (pathname.endsWith("/cancel")) return <p role="status">Checkout cancelled: nothing was charged.</p>;
  return null;
}

export default function Billing() {
  // Back from a paid checkout the plan has changed: a new access token carries it (and the new
  // plan's quotas) before the page asks anything.
  const afterCheckout = useLocation().pathname.endsWith("/success");
  const renewed = useQuery({
    queryKey: ["billing", "renewed-token"],
    queryFn: () => refresh().then(() => true),
    enabled: afterCheckout,
    staleTime: Infinity,
  });
  return (
    <section>
      <h1>Billing</h1>
      <CheckoutOutcome />
      {afterCheckout && !renewed.isFetched ? (
        <Loading what="your new plan" />
      ) : (
        <>
          <SubscriptionCard />
          <Plans />
          <Wallet />
        </>
      )}
    </section>
  );
}
