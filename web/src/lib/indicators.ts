// Indicator series for the chart panes, computed from the candles on screen.

export interface Point {
  time: number;
  value: number;
}

export function sma(times: number[], closes: number[], period: number): Point[] {
  const out: Point[] = [];
  let sum = 0;
  for (let i = 0; i < closes.length; i++) {
    sum += closes[i];
    if (i >= period) sum -= closes[i - period];
    if (i >= period - 1) out.push({ time: times[i], value: sum / period });
  }
  return out;
}

function ema(values: number[], period: number): number[] {
  const k = 2 / (period + 1);
  const out: number[] = [];
  let prev = values[0];
  for (let i = 0; i < values.length; i++) {
    prev = i === 0 ? values[0] : values[i] * k + prev * (1 - k);
    out.push(prev);
  }
  return out;
}

/** Wilder's RSI. */
export function rsi(times: number[], closes: number[], period = 14): Point[] {
  const out: Point[] = [];
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < closes.length; i++) {
    const change = closes[i] - closes[i - 1];
    const up = Math.max(change, 0);
    const down = Math.max(-change, 0);
    if (i <= period) {
      gain += up / period;
      loss += down / period;
    } else {
      gain = (gain * (period - 1) + up) / period;
      loss = (loss * (period - 1) + down) / period;
    }
    if (i >= period) out.push({ time: times[i], value: loss === 0 ? 100 : 100 - 100 / (1 + gain / loss) });
  }
  return out;
}

export function macd(
  times: number[],
  closes: number[],
  fast = 12,
  slow = 26,
  signal = 9,
): { macd: Point[]; signal: Point[]; histogram: Point[] } {
  const f = ema(closes, fast);
  const s = ema(closes, slow);
  const line = f.map((v, i) => v - s[i]);
  const sig = ema(line, signal);
  const start = slow - 1;
  const pick = (arr: number[]) => arr.slice(start).map((value, j) => ({ time: times[start + j], value }));
  return { macd: pick(line), signal: pick(sig), histogram: pick(line.map((v, i) => v - sig[i])) };
}
