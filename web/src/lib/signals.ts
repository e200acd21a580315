// Past signals' outcomes read off the candles that followed them: TP first, SL first, or open.

export type Outcome = "win" | "loss" | "open";

export interface SignalMark {
  id: string;
  time: number; // epoch seconds of the bar it was made from
  long: boolean;
  entry: number;
  sl: number;
  tp: number;
}

export interface Bar {
  time: number;
  high: number;
  low: number;
}

export function outcome(signal: SignalMark, bars: Bar[]): Outcome {
  for (const bar of bars) {
    if (bar.time <= signal.time) continue;
    const hitTp = signal.long ? bar.high >= signal.tp : bar.low <= signal.tp;
    const hitSl = signal.long ? bar.low <= signal.sl : bar.high >= signal.sl;
    if (hitSl) return "loss"; // both in one bar: the stop is assumed first (the conservative reading)
    if (hitTp) return "win";
  }
  return "open";
}
