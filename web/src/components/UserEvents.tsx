// The signed-in user's own channels: trades and closed positions become notifications and
// refresh the paper account's queries.
import { useQueryClient } from "@tanstack/react-query";
import { useChannel } from "../live/hooks";
import type { LiveEvent } from "../live/socket";
import { useNotify } from "./Notifications";

interface TradeExecuted {
  symbol: string;
  side: string;
  price: string;
  quantity: string;
}
interface PositionClosed {
  symbol: string;
  pnl?: { currency: string; minor_units: string };
  reason: string;
}

export function UserEvents({ userId }: { userId: string }) {
  const notify = useNotify();
  const queries = useQueryClient();
  // A close sends trade_executed and position_closed together: one refetch for both (quota).
  const refreshAccount = () => {
    void queries.invalidateQueries({ queryKey: ["paper", "account"] }, { cancelRefetch: false });
    void queries.invalidateQueries({ queryKey: ["paper", "positions"] }, { cancelRefetch: false });
  };
  useChannel(`user:${userId}:trades`, (e: LiveEvent) => {
    const t = e.trade_executed as TradeExecuted | undefined;
    if (!t) return;
    const side = t.side.endsWith("SELL") ? "Sold" : "Bought";
    notify("trade", `Trade executed: ${side} ${t.quantity} ${t.symbol} at ${t.price}`);
    refreshAccount();
  });
  useChannel(`user:${userId}:positions`, (e: LiveEvent) => {
    const p = e.position_closed as PositionClosed | undefined;
    if (!p) return;
    const pnl = p.pnl ? `${(Number(p.pnl.minor_units) / 100).toFixed(2)} ${p.pnl.currency}` : "";
    notify("position", `Position closed: ${p.symbol} ${pnl}`.trim());
    refreshAccount();
  });
  useChannel(`user:${userId}:notifications`, (e: LiveEvent) => {
    const s = e.subscription_activated as { plan: string } | undefined;
    if (s) notify("info", `Subscription active: ${s.plan}`);
    void queries.invalidateQueries({ queryKey: ["billing"] });
  });
  return null;
}
