import { useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { inference, market } from "../api/clients";
import { problem } from "../api/errors";
import { Query } from "../components/States";
import { AmdPhase, ModelStatus, SignalDirection, type Signal } from "../gen/trading/inference/v1/inference_messages_pb";
import { percent, price } from "../lib/format";

function SignalRow({ symbol, signal, error }: { symbol: string; signal?: Signal; error: unknown }) {
  if (error) {
    return (
      <tr>
        <th scope="row">{symbol}</th>
        <td colSpan={6}>No signal: {problem(error).detail}</td>
      </tr>
    );
  }
  if (!signal)
    return (
      <tr>
        <th scope="row">{symbol}</th>
        <td colSpan={6}>No signal yet</td>
      </tr>
    );
  const dir = SignalDirection[signal.signal];
  return (
    <tr>
      <th scope="row">
        <Link to={`/trading/${symbol}`}>{symbol}</Link>
      </th>
      <td className={`dir dir-${dir.toLowerCase()}`}>{dir}</td>
      <td>
        {price(signal.entry)} / {price(signal.sl)} / {price(signal.tp)}
      </td>
      <td>{percent(signal.probTpFirst)}</td>
      <td>{percent(signal.confidence)}</td>
      <td>{AmdPhase[signal.amdPhase].toLowerCase()}</td>
      <td>{signal.createdAt ? new Date(Number(signal.createdAt.seconds) * 1000).toLocaleString() : "—"}</td>
    </tr>
  );
}

export default function Signals() {
  const symbols = useQuery({ queryKey: ["symbols"], queryFn: () => market.listSymbols({}), staleTime: 300_000 });
  const list = symbols.data?.symbols.map((s) => s.symbol) ?? [];
  const latest = useQueries({
    queries: list.map((symbol) => ({
      queryKey: ["signals", symbol, "latest"],
      queryFn: () => inference.listSignals({ symbol, pageSize: 1 }),
      retry: false,
    })),
  });
  const models = useQuery({ queryKey: ["models"], queryFn: () => inference.getModelsStatus({}), retry: false });
  return (
    <section>
      <h1>Signals</h1>
      <h2>Latest signal per symbol</h2>
      <Query q={symbols} what="symbols" empty={(d) => (d.symbols.length ? null : "No symbols are listed.")}>
        {() => (
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
                  <th scope="col">Made</th>
                </tr>
              </thead>
              <tbody>
                {list.map((symbol, i) => (
                  <SignalRow key={symbol} symbol={symbol} signal={latest[i]?.data?.signals[0]} error={latest[i]?.error} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Query>
      <h2>Models</h2>
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
    </section>
  );
}
