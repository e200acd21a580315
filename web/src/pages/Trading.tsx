import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { inference, market } from "../api/clients";
import { useNotify } from "../components/Notifications";
import { OrderTicket } from "../components/OrderTicket";
import { PaperAccount } from "../components/PaperAccount";
import { PriceChart, TF_SECONDS, type Tick } from "../components/PriceChart";
import { ErrorBox, Loading } from "../components/States";
import { SignalDirection, type Signal } from "../gen/trading/inference/v1/inference_messages_pb";
import { useChannel } from "../live/hooks";
import type { LiveEvent } from "../live/socket";
import type { SignalMark } from "../lib/signals";

const CANDLES = 5000; // the most GetCandles returns in one call

function mark(s: Signal): SignalMark {
  return {
    id: s.id,
    time: Number(s.createdAt?.seconds ?? 0),
    long: s.signal === SignalDirection.LONG,
    entry: s.entry,
    sl: s.sl,
    tp: s.tp,
  };
}

interface SignalEvent {
  signal_id: string;
  symbol: string;
  signal: string;
  entry: number;
  sl: number;
  tp: number;
  rr: number;
  prob_tp_first: number;
  generated_at?: string;
}

export default function Trading() {
  const { symbol = "EURUSD" } = useParams();
  const navigate = useNavigate();
  const notify = useNotify();
  const [tf, setTf] = useState("5m");
  const [tick, setTick] = useState<Tick | null>(null);
  const [liveSignal, setLiveSignal] = useState<SignalMark | null>(null);

  const symbols = useQuery({ queryKey: ["symbols"], queryFn: () => market.listSymbols({}), staleTime: 300_000 });
  const info = symbols.data?.symbols.find((s) => s.symbol === symbol);
  const candles = useQuery({
    queryKey: ["candles", symbol, tf],
    queryFn: () => market.getCandles({ symbol, tf, limit: CANDLES }),
  });
  const history = useQuery({
    queryKey: ["signals", symbol],
    queryFn: () => inference.listSignals({ symbol, pageSize: 50 }),
    retry: false,
    staleTime: 600_000, // one call of the plan's daily ML quota per symbol, not one per visit
  });
  const pastSignals = useMemo(
    () => (history.data?.signals ?? []).filter((s) => s.signal !== SignalDirection.NONE).map(mark),
    [history.data],
  );
  const marks = useMemo(() => (liveSignal ? [...pastSignals, liveSignal] : pastSignals), [pastSignals, liveSignal]);
  const latest = liveSignal ?? pastSignals.find((s) => s.time + 3 * (TF_SECONDS[tf] ?? 300) > Date.now() / 1000) ?? null;

  useChannel(`ticker:${symbol}`, (e: LiveEvent) => {
    const p = e.price_update as { bid: number; ask: number; timestamp?: string } | undefined;
    if (!p) return;
    const time = Date.parse(p.timestamp ?? e.occurred_at ?? "") / 1000;
    setTick({ time: Math.floor(time), price: (p.bid + p.ask) / 2 });
  });
  useChannel(`signals:${symbol}`, (e: LiveEvent) => {
    const s = e.ml_signal_new as SignalEvent | undefined;
    if (!s || !s.signal.endsWith("LONG") && !s.signal.endsWith("SHORT")) return;
    const long = s.signal.endsWith("LONG");
    setLiveSignal({
      id: s.signal_id,
      time: Date.parse(s.generated_at ?? e.occurred_at ?? "") / 1000,
      long,
      entry: s.entry,
      sl: s.sl,
      tp: s.tp,
    });
    notify("signal", `New signal: ${s.symbol} ${long ? "LONG" : "SHORT"} with R:R ${s.rr}:1`);
  });

  const digits = info?.pricePrecision || 5;
  return (
    <section className="trading">
      <h1 className="sr-only">Trading {symbol}</h1>
      <div className="toolbar">
        <label>
          Symbol
          <select value={symbol} onChange={(e) => navigate(`/trading/${e.target.value}`)}>
            {(symbols.data?.symbols ?? [{ symbol, name: symbol }]).map((s) => (
              <option key={s.symbol} value={s.symbol}>
                {s.symbol} {s.name && s.name !== s.symbol ? `· ${s.name}` : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          Timeframe
          <select value={tf} onChange={(e) => setTf(e.target.value)}>
            {Object.keys(TF_SECONDS).map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <p className="quote" aria-live="off">
          <span className="label">Last</span>{" "}
          <output data-testid="last-price">{tick ? tick.price.toFixed(digits) : "—"}</output>
        </p>
        {candles.data?.freshness?.simulated && <span className="badge">Simulated prices</span>}
      </div>
      <div className="chart-wrap">
        {candles.error ? (
          <ErrorBox error={candles.error} retry={() => void candles.refetch()} />
        ) : candles.isPending ? (
          <Loading what="candles" />
        ) : candles.data.candles.length === 0 ? (
          <p className="state empty">No candles for {symbol} yet.</p>
        ) : null}
        <PriceChart
          symbol={symbol}
          tf={tf}
          candles={candles.data?.candles ?? []}
          signals={marks}
          latest={latest}
          tick={tick}
          digits={digits}
        />
      </div>
      {latest && (
        <p className="signal-note" data-testid="signal-note">
          {latest.long ? "Long" : "Short"} signal: entry {latest.entry.toFixed(digits)}, SL {latest.sl.toFixed(digits)}, TP{" "}
          {latest.tp.toFixed(digits)}
        </p>
      )}
      <div className="panels">
        <OrderTicket symbol={symbol} info={info} price={tick?.price ?? candles.data?.candles.at(-1)?.close ?? 0} />
        <PaperAccount symbol={symbol} price={tick?.price ?? null} />
      </div>
    </section>
  );
}
