// Latest signal per symbol: live from signals:{symbol} as the engine publishes, and on request from
// ListSignals (one call of the plan's daily ML quota per symbol, so never all of them unasked).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Code, ConnectError } from "@connectrpc/connect";
import { inference, market } from "../api/clients";
import { problem } from "../api/errors";
import { Empty, ErrorBox, Query } from "../components/States";
import { AmdPhase, ModelStatus, SignalDirection, type Signal } from "../gen/trading/inference/v1/inference_messages_pb";
import { useChannel } from "../live/hooks";
import type { LiveEvent } from "../live/socket";
import { percent, price } from "../lib/format";

interface Row {
  direction: string;
  entry: number;
  sl: number;
  tp: number;
  probTpFirst: number;
  confidence: number;
  amdPhase: string;
  model: string;
  made: Date | null;
}

function fromSignal(s: Signal): Row {
  return {
    direction: SignalDirection[s.signal],
    entry: s.entry,
    sl: s.sl,
    tp: s.tp,
    probTpFirst: s.probTpFirst,
    confidence: s.confidence,
    amdPhase: AmdPhase[s.amdPhase].toLowerCase(),
    model: s.modelName ? `${s.modelName} v${s.modelVersion}` : "—",
    made: s.createdAt ? new Date(Number(s.createdAt.seconds) * 1000) : null,
  };
}

interface SignalEvent {
  signal: string;
  entry: number;
  sl: number;
  tp: number;
  prob_tp_first: number;
  confidence: number;
  amd_phase: string;
  model_version: string;
  generated_at?: string;
}

function SignalRow({ symbol }: { symbol: string }) {
  const [live, setLive] = useState<Row | null>(null);
  const [asked, setAsked] = useState(false);
  const latest = useQuery({
    queryKey: ["signals", symbol, "latest"],
    queryFn: () => inference.listSignals({ symbol, pageSize: 1 }),
    enabled: asked,
    retry: false,
    staleTime: Infinity,
  });
  useChannel(`signals:${symbol}`, (e: LiveEvent) => {
    const s = e.ml_signal_new as SignalEvent | undefined;
    if (!s) return;
    setLive({
      direction: s.signal.replace("SIGNAL_DIRECTION_", ""),
      entry: s.entry,
      sl: s.sl,
      tp: s.tp,
      probTpFirst: s.prob_tp_first,
      confidence: s.confidence,
      amdPhase: s.amd_phase || "—",
      model: s.model_version || "—",
      made: s.generated_at ? new Date(s.generated_at) : null,
    });
  });
  const stored = latest.data?.signals[0];
  const row = live ?? (stored ? fromSignal(stored) : null);
  let body;
  if (row) {
    body = (
      <>
        <td className={`dir dir-${row.direction.toLowerCase()}`}>{row.direction}</td>
        <td>
          {price(row.entry)} / {price(row.sl)} / {price(row.tp)}
        </td>
        <td>{percent(row.probTpFirst)}</td>
        <td>{percent(row.confidence)}</td>
        <td>{row.amdPhase}</td>
        <td>{row.model}</td>
        <td>{row.made?.toLocaleString() ?? "—"}</td>
      </>
    );
  } else if (latest.error) {
    body = <td colSpan={7}>{problem(latest.error).detail}</td>;
  } else if (latest.isFetching) {
    body = <td colSpan={7}>Loading…</td>;
  } else if (asked) {
    body = <td colSpan={7}>No signal yet</td>;
  } else {
    body = (
      <td colSpan={7}>
        <button type="button" onClick={() => setAsked(true)}>
          Load latest <span className="sr-only">{symbol} signal</span>
        </button>{" "}
        <span className="hint">or wait for the next one</span>
      </td>
    );
  }
  return (
    <tr data-symbol={symbol}>
      <th scope="row">
        <Link to={`/trading/${symbol}`}>{symbol}</Link>
      </th>
      {body}
    </tr>
  );
}

function Models() {
  const models = useQuery({ queryKey: ["models"], queryFn: () => inference.getModelsStatus({}), retry: false });
  if (models.error instanceof ConnectError && models.error.code === Code.PermissionDenied) {
    return <Empty>Model status and metrics are shown to administrators; each signal names its model.</Empty>;
  }
  if (models.error) return <ErrorBox error={models.error} retry={() => void models.refetch()} />;
  return (
    <Query q={models} what="models" empty={(d) => (d.models.length ? null : "No model is trained yet.")}>
      {(d) => (
        <>
          <p className="hint">
            Serving on {d.provider || "—"} {d.gpu ? "(GPU)" : ""}
          </p>
          <div className="scroll">
            <table data-testid="models">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">MAE</th>
                  <th scope="col">AUC</th>
                  <th scope="col">Accuracy</th>
                  <th scope="col">Test rows</th>
                </tr>
              </thead>
              <tbody>
                {d.models.map((m) => (
                  <tr key={`${m.name}:${m.version}`}>
                    <th scope="row">{m.name}</th>
                    <td>{m.version}</td>
                    <td>{ModelStatus[m.status].toLowerCase()}</td>
                    <td>{m.metrics?.mae.toFixed(5) ?? "—"}</td>
                    <td>{m.metrics?.auc.toFixed(3) ?? "—"}</td>
                    <td>{m.metrics ? percent(m.metrics.accuracy) : "—"}</td>
                    <td>{m.metrics?.testRows.toString() ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Query>
  );
}

export default function Signals() {
  const symbols = useQuery({ queryKey: ["symbols"], queryFn: () => market.listSymbols({}), staleTime: 300_000 });
  return (
    <section>
      <h1>Signals</h1>
      <h2>Latest signal per symbol</h2>
      <Query q={symbols} what="symbols" empty={(d) => (d.symbols.length ? null : "No symbols are listed.")}>
        {(d) => (
          <div className="scroll">
            <table data-testid="signals">
              <thead>
                <tr>
                  <th scope="col">Symbol</th>
                  <th scope="col">Direction</th>
                  <th scope="col">Entry / SL / TP</th>
                  <th scope="col">P(TP first)</th>
                  <th scope="col">Confidence</th>
                  <th scope="col">AMD phase</th>
                  <th scope="col">Model</th>
                  <th scope="col">Made</th>
                </tr>
              </thead>
              <tbody>
                {d.symbols.map((s) => (
                  <SignalRow key={s.symbol} symbol={s.symbol} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Query>
      <h2>Models</h2>
      <Models />
    </section>
  );
}
