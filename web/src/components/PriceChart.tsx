// Candles with volume, SMA, RSI and MACD panes; the live price moves the last candle; ML signals
// are drawn as entry/SL/TP lines and past signals as markers coloured by outcome.
// The container's data-* attributes say what is drawn (read by the end-to-end tests).
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  type CandlestickData,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { Candle } from "../gen/trading/market/v1/market_messages_pb";
import { macd, rsi, sma } from "../lib/indicators";
import { outcome, type SignalMark } from "../lib/signals";

export const TF_SECONDS: Record<string, number> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "30m": 1800,
  "1h": 3600,
  "4h": 14400,
  "1d": 86400,
};
const COLORS = { up: "#16a34a", down: "#dc2626", win: "#16a34a", loss: "#dc2626", open: "#64748b" };

export interface Tick {
  time: number; // epoch seconds
  price: number;
}

interface Series {
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  volume: ISeriesApi<"Histogram">;
  sma: ISeriesApi<"Line">;
  rsi: ISeriesApi<"Line">;
  macd: ISeriesApi<"Line">;
  macdSignal: ISeriesApi<"Line">;
  macdHist: ISeriesApi<"Histogram">;
  markers: ISeriesMarkersPluginApi<Time>;
  lines: IPriceLine[];
}

function build(el: HTMLElement): Series {
  const chart = createChart(el, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: "#ffffff" },
      textColor: "#1e293b",
      panes: { separatorColor: "#cbd5e1" },
    },
    grid: { vertLines: { color: "#f1f5f9" }, horzLines: { color: "#f1f5f9" } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    borderVisible: false,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
  });
  const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: "volume" }, priceScaleId: "volume" });
  chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
  const smaLine = chart.addSeries(LineSeries, { color: "#2563eb", lineWidth: 1, title: "SMA 20" });
  const rsiLine = chart.addSeries(LineSeries, { color: "#7c3aed", lineWidth: 1, title: "RSI 14" }, 1);
  const macdLine = chart.addSeries(LineSeries, { color: "#0891b2", lineWidth: 1, title: "MACD" }, 2);
  const macdSignal = chart.addSeries(LineSeries, { color: "#ea580c", lineWidth: 1, title: "Signal" }, 2);
  const macdHist = chart.addSeries(HistogramSeries, { color: "#94a3b8" }, 2);
  const panes = chart.panes();
  panes[1]?.setHeight(90);
  panes[2]?.setHeight(90);
  return {
    chart,
    candles,
    volume,
    sma: smaLine,
    rsi: rsiLine,
    macd: macdLine,
    macdSignal,
    macdHist,
    markers: createSeriesMarkers(candles, []),
    lines: [],
  };
}

type Bar = CandlestickData<UTCTimestamp> & { volume: number };

function toBars(candles: Candle[]): Bar[] {
  return candles.map((c) => ({
    time: Number(c.time?.seconds ?? 0) as UTCTimestamp,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
  }));
}

function drawIndicators(s: Series, bars: Bar[]): void {
  const times = bars.map((b) => b.time as number);
  const closes = bars.map((b) => b.close);
  const t = (p: { time: number; value: number }) => ({ time: p.time as UTCTimestamp, value: p.value });
  s.sma.setData(sma(times, closes, 20).map(t));
  s.rsi.setData(rsi(times, closes, 14).map(t));
  const m = macd(times, closes);
  s.macd.setData(m.macd.map(t));
  s.macdSignal.setData(m.signal.map(t));
  s.macdHist.setData(
    m.histogram.map((p) => ({ ...t(p), color: p.value >= 0 ? "#86efac" : "#fca5a5" })),
  );
}

export function PriceChart({
  symbol,
  tf,
  candles,
  signals,
  latest,
  tick,
  digits,
}: {
  symbol: string;
  tf: string;
  candles: Candle[];
  signals: SignalMark[];
  latest: SignalMark | null;
  tick: Tick | null;
  digits: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const series = useRef<Series | null>(null);
  const bars = useRef<Bar[]>([]);
  const ticks = useRef(0);

  useEffect(() => {
    const s = build(box.current!);
    series.current = s;
    return () => {
      s.chart.remove();
      series.current = null;
    };
  }, []);

  useEffect(() => {
    const s = series.current!;
    s.candles.applyOptions({ priceFormat: { type: "price", precision: digits, minMove: 10 ** -digits } });
    performance.mark("chart-data");
    const data = toBars(candles);
    bars.current = data;
    ticks.current = 0;
    s.candles.setData(data);
    s.volume.setData(
      data.map((b) => ({
        time: b.time,
        value: b.volume,
        color: b.close >= b.open ? "#bbf7d0" : "#fecaca",
      })),
    );
    drawIndicators(s, data);
    s.chart.timeScale().fitContent();
    const el = box.current!;
    el.dataset.symbol = symbol;
    el.dataset.tf = tf;
    el.dataset.candles = String(data.length);
    el.dataset.ticks = "0";
    el.dataset.lastClose = String(data.at(-1)?.close ?? "");
    el.dataset.initialClose = el.dataset.lastClose;
    el.dataset.lastTime = String(data.at(-1)?.time ?? "");
    // The frame after setData is the one the canvas is painted in.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.measure(`chart-drawn ${data.length}`, "chart-data");
        performance.mark("chart-drawn");
        el.dataset.drawn = String(data.length);
      }),
    );
  }, [candles, symbol, tf, digits]);

  useEffect(() => {
    const s = series.current!;
    const step = TF_SECONDS[tf] ?? 300;
    const byTime = new Set(bars.current.map((b) => b.time as number));
    const snap = (time: number) => {
      const first = bars.current[0]?.time ?? 0;
      const t = first + Math.floor((time - first) / step) * step;
      return byTime.has(t) ? t : null;
    };
    const markers: SeriesMarker<Time>[] = [];
    for (const sig of signals) {
      const time = snap(sig.time);
      if (time === null) continue;
      const result = outcome(sig, bars.current);
      markers.push({
        time: time as UTCTimestamp,
        position: sig.long ? "belowBar" : "aboveBar",
        shape: sig.long ? "arrowUp" : "arrowDown",
        color: COLORS[result],
        text: `${sig.long ? "Long" : "Short"} ${result}`,
      });
    }
    markers.sort((a, b) => (a.time as number) - (b.time as number));
    s.markers.setMarkers(markers);
    box.current!.dataset.markers = String(markers.length);
  }, [signals, candles, tf]);

  useEffect(() => {
    const s = series.current!;
    for (const line of s.lines) s.candles.removePriceLine(line);
    s.lines = [];
    const el = box.current!;
    if (!latest) {
      delete el.dataset.signal;
      return;
    }
    const add = (price: number, color: string, title: string) =>
      s.lines.push(s.candles.createPriceLine({ price, color, title, lineWidth: 2, axisLabelVisible: true }));
    add(latest.entry, "#2563eb", `${latest.long ? "Long" : "Short"} entry`);
    add(latest.sl, COLORS.loss, "SL");
    add(latest.tp, COLORS.win, "TP");
    el.dataset.signal = latest.id;
  }, [latest]);

  useEffect(() => {
    const s = series.current;
    const last = bars.current.at(-1);
    if (!s || !tick || !last) return;
    const step = TF_SECONDS[tf] ?? 300;
    if (tick.time < (last.time as number)) return;
    const periods = Math.floor((tick.time - (last.time as number)) / step);
    let bar: Bar;
    if (periods === 0) {
      bar = { ...last, high: Math.max(last.high, tick.price), low: Math.min(last.low, tick.price), close: tick.price };
      bars.current[bars.current.length - 1] = bar;
    } else {
      const time = ((last.time as number) + periods * step) as UTCTimestamp;
      bar = { time, open: last.close, high: tick.price, low: tick.price, close: tick.price, volume: 0 };
      bars.current.push(bar);
    }
    s.candles.update(bar);
    ticks.current += 1;
    const el = box.current!;
    el.dataset.ticks = String(ticks.current);
    el.dataset.lastClose = String(bar.close);
    el.dataset.lastTime = String(bar.time);
    el.dataset.tickPrice = String(tick.price);
  }, [tick, tf]);

  return (
    <div
      ref={box}
      className="chart"
      data-testid="chart"
      role="figure"
      aria-label={`${symbol} ${tf} candlestick chart with volume, SMA 20, RSI 14 and MACD`}
    />
  );
}
