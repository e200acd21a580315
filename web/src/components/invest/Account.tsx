import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AreaSeries, createChart, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { investment } from "../../api/clients";
import { ErrorBox, Query } from "../States";
import {
  InvestmentAccountStatus,
  type AgentDecision,
  type InvestmentAccount,
  type PerformanceSnapshot,
} from "../../gen/trading/broker/v1/investment_messages_pb";
import { enumLabel, idempotencyKey, money } from "../../lib/format";

export function minor(amount: string): bigint {
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
  const last = snapshots[snapshots.length - 1];
  return (
    <>
      <div ref={box} className="equity-curve" role="img" aria-label={`Equity curve over ${snapshots.length} days`} />
      {last && (
        <p className="hint">
          Return {last.returnPercent}% · drawdown {last.drawdownPercent}%
        </p>
      )}
    </>
  );
}

function Decision({ d }: { d: AgentDecision }) {
  const when = d.decideTime ? new Date(Number(d.decideTime.seconds) * 1000).toLocaleString() : "";
  return (
    <tr>
      <td>{when}</td>
      <td>{d.symbol}</td>
      <td data-decision={d.decision}>{d.decision}</td>
      <td>{d.quantity || "—"}</td>
      <td>{d.reason || "—"}</td>
    </tr>
  );
}

function Decisions({ accountId }: { accountId: string }) {
  const q = useQuery({
    queryKey: ["investment", "decisions", accountId],
    queryFn: () => investment.listAgentDecisions({ accountId, page: { pageSize: 20, pageToken: "" } }),
    refetchInterval: 10_000, // the agent decides whenever a signal arrives
  });
  return (
    <details>
      <summary>The agent's decisions</summary>
      <Query q={q} what="decisions" empty={(d) => (d.decisions.length ? null : "The agent has not decided on a signal yet.")}>
        {(d) => (
          <div className="scroll">
            <table>
              <caption className="sr-only">The agent's decisions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Symbol</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Size</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {d.decisions.map((x) => (
                  <Decision key={`${x.signalId}-${x.symbol}`} d={x} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Query>
    </details>
  );
}

function Transfer({ account }: { account: InvestmentAccount }) {
  const queries = useQueryClient();
  const [amount, setAmount] = useState("100");
  const [done, setDone] = useState("");
  const currency = account.balance?.currency || "USD";
  const move = useMutation({
    mutationFn: async (kind: "deposit" | "withdraw"): Promise<string> => {
      const req = { accountId: account.accountId, amount: { currency, minorUnits: minor(amount) }, idempotencyKey: idempotencyKey() };
      if (kind === "deposit") await investment.depositInvestment(req);
      else await investment.withdrawInvestment(req);
      return kind === "deposit" ? `Deposited ${amount} from your wallet.` : `Withdrew ${amount} to your wallet.`;
    },
    onSuccess: (said) => {
      setDone(said);
      void queries.invalidateQueries({ queryKey: ["investment"] });
      void queries.invalidateQueries({ queryKey: ["billing", "wallet"] });
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setDone("");
    const kind = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") === "withdraw" ? "withdraw" : "deposit";
    move.mutate(kind);
  };
  return (
    <>
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
      {done && <p role="status">{done}</p>}
      {move.error && <ErrorBox error={move.error} />}
    </>
  );
}

export function AccountCard({ account, productName }: { account: InvestmentAccount; productName: string }) {
  const performance = useQuery({
    queryKey: ["investment", "performance", account.accountId],
    queryFn: () => investment.getInvestmentPerformance({ accountId: account.accountId }),
  });
  return (
    <li className="card wide" data-testid="investment-account" data-product={productName}>
      <h3>
        {productName} · account {account.accountId.slice(0, 8)}
      </h3>
      <p>
        {enumLabel(InvestmentAccountStatus[account.status], "")} · balance{" "}
        <strong data-testid="investment-balance">{money(account.balance)}</strong> · equity {money(account.equity)} ·
        first deposit {money(account.initialBalance)}
      </p>
      <Query
        q={performance}
        what="performance"
        empty={(d) => (d.snapshots.length ? null : "No performance yet: the first snapshot is taken at midnight UTC.")}
      >
        {(d) => <EquityCurve snapshots={d.snapshots} />}
      </Query>
      <Transfer account={account} />
      <Decisions accountId={account.accountId} />
    </li>
  );
}
