import type { Money } from "../gen/trading/common/v1/money_pb";

export function money(m: Money | undefined): string {
  if (!m || !m.currency) return "—";
  const value = Number(m.minorUnits) / 100;
  return new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(value);
}

export function price(value: number | string, digits = 5): string {
  const n = typeof value === "string" ? Number(value) : value;
  return Number.isFinite(n) && n !== 0 ? n.toFixed(digits) : "—";
}

export function percent(p: number): string {
  return `${(p * 100).toFixed(1)}%`;
}

/** "SIGNAL_DIRECTION_LONG" -> "Long". */
export function enumLabel(name: string | undefined, prefix: string): string {
  if (!name) return "—";
  const s = name.replace(prefix, "").toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function idempotencyKey(): string {
  return crypto.randomUUID();
}
