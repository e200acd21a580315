import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AreaSeries, createChart, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { investment } from "../api/clients";
import { ErrorBox, Query } from "../components/States";
import {
  InvestmentAccountStatus,
  RiskProfile,
  type InvestmentAccount,
  type PerformanceSnapshot,
} from "../gen/trading/broker/v1/investment_messages_pb";
import { enumLabel, idempotencyKey, money } from "../lib/format";

function minor(amount: string): bigint {
  return BigInt(Math.round(Number(amount) * 100));
}

function EquityCurve({ snapshots }: { snapshots: PerformanceSnapshot[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const chart = createChart(box.current!, { autoSize: true, timeScale: { timeVisible: true } });
    const area = chart.addSeries(AreaSeries, { lineColor: "#2563eb", topColor: "#bfdbfe", bottomColor: "#eff6ff" });
    area.setData(
      snapshots.map((s) => ({
        time: Number(s.snapshotTime?.seconds ?? 0) as UTCTimestamp,
        value: Number(s.equity?.minorUnits ?? 0n) / 100,
      })),
    );
    chart.timeScale().fitContent();
    return () => chart.remove();
  }, [snapshots]);
  return <div ref={box} className="equity-curve" role="figure" aria-label="Equity curve" />;
}

function AccountCard({ account }: { account: InvestmentAccount }) {
  const queries = useQueryClient();
  const [amount, setAmount] = useState("100");
  const currency = account.balance?.currency || "USD";
  const performance = useQuery({
    queryKey: ["investment", "performance", account.accountId],
    queryFn: () => investment.getInvestmentPerformance({ accountId: account.accountId }),
  });
  const refresh = () => void queries.invalidateQueries({ queryKey: ["investment"] });
  const move = useMutation({
    mutationFn: async (kind: "deposit" | "withdraw"): Promise<unknown> => {
      const req = { accountId: account.accountId, amount: { currency, minorUnits: minor(amount) }, idempotencyKey: idempotencyKey() };
      return kind === "deposit" ? investment.depositInvestment(req) : investment.withdrawInvestment(req);
    },
    onSuccess: refresh,
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const kind = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") === "withdraw" ? "withdraw" : "deposit";
    move.mutate(kind);
  };
  return (
    <li className="card">
      <h3>Account {account.accountId.slice(0, 8)}</h3>
      <p>
        {enumLabel(InvestmentAccountStatus[account.status], "")} · equity {money(account.equity)} · balance{" "}
        {money(account.balance)}
      </p>
      <Query q={performance} what="performance" empty={(d) => (d.snapshots.length ? null : "No performance yet.")}>
        {(d) => <EquityCurve snapshots={d.snapshots} />}
      </Query>
      <form className="row" onSubmit={submit}>
        <label>
          Amount ({currency})
          <input inputMode="decimal" required pattern="[0-9]+(\.[0-9]{1,2})?" value={amount} onChange={(e) => setAmount(e.target.value)} />
        </label>
        <button type="submit" value="deposit" disabled={move.isPending}>
          Deposit
        </button>
        <button type="submit" value="withdraw" disabled={move.isPending}>
          Withdraw
        </button>
      </form>
      {move.error && <ErrorBox error={move.error} />}
    </li>
  );
}

export default function Investment() {
  const queries = useQueryClient();
  const products = useQuery({ queryKey: ["investment", "products"], queryFn: () => investment.listInvestmentProducts({}) });
  const accounts = useQuery({ queryKey: ["investment", "accounts"], queryFn: () => investment.listInvestmentAccounts({}) });
  const open = useMutation({
    mutationFn: (f: FormData) => {
      const product = products.data?.products.find((p) => p.productId === f.get("product"));
      const currency = product?.minimumInvestment?.currency || "USD";
      return investment.createInvestmentAccount({
        productId: String(f.get("product")),
        amount: { currency, minorUnits: minor(String(f.get("amount"))) },
        idempotencyKey: idempotencyKey(),
      });
    },
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["investment"] }),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    open.mutate(new FormData(e.currentTarget));
  };
  return (
    <section>
      <h1>Invest</h1>
      <h2>Products</h2>
      <Query q={products} what="products" empty={(d) => (d.products.length ? null : "No products are offered yet.")}>
        {(d) => (
          <>
            <ul className="cards">
              {d.products.map((p) => (
                <li key={p.productId} className="card">
                  <h3>{p.name}</h3>
                  <p>{p.description}</p>
                  <p className="hint">
                    {enumLabel(RiskProfile[p.riskProfile], "")} risk · from {money(p.minimumInvestment)} · fees{" "}
                    {p.managementFeePercent}% + {p.performanceFeePercent}% of profits
                  </p>
                </li>
              ))}
            </ul>
            <form className="card row" onSubmit={submit}>
              <label>
                Product
                <select name="product" required>
                  {d.products.map((p) => (
                    <option key={p.productId} value={p.productId}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                First deposit
                <input name="amount" inputMode="decimal" required pattern="[0-9]+(\.[0-9]{1,2})?" />
              </label>
              <button className="primary" type="submit" disabled={open.isPending}>
                Open account
              </button>
              {open.error && <ErrorBox error={open.error} />}
            </form>
          </>
        )}
      </Query>
      <h2>Your accounts</h2>
      <Query q={accounts} what="accounts" empty={(d) => (d.accounts.length ? null : "You have no investment account yet.")}>
        {(d) => (
          <ul className="cards">
            {d.accounts.map((a) => (
              <AccountCard key={a.accountId} account={a} />
            ))}
          </ul>
        )}
      </Query>
    </section>
  );
}
