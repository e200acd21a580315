import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { paper } from "../api/clients";
import {
  AmountUnit,
  OrderSide,
  OrderStatus,
  OrderType,
  TimeInForce,
} from "../gen/trading/broker/v1/broker_messages_pb";
import { AssetType, type SymbolInfo } from "../gen/trading/market/v1/market_messages_pb";
import { ErrorBox } from "./States";

// The paper broker's leverage per asset class (margin = notional / leverage).
const LEVERAGE: Partial<Record<AssetType, number>> = {
  [AssetType.FOREX]: 30,
  [AssetType.COMMODITY]: 20,
  [AssetType.INDEX]: 20,
  [AssetType.CRYPTO]: 2,
  [AssetType.STOCK]: 5,
};

export function OrderTicket({ symbol, info, price }: { symbol: string; info?: SymbolInfo; price: number }) {
  const queries = useQueryClient();
  const [side, setSide] = useState(OrderSide.ORDER_SIDE_BUY);
  const [type, setType] = useState(OrderType.ORDER_TYPE_MARKET);
  const [unit, setUnit] = useState(AmountUnit.AMOUNT_UNIT_UNITS);
  const [amount, setAmount] = useState("1000");
  const order = useMutation({
    mutationFn: (f: FormData) =>
      paper.createOrder({
        symbol,
        side,
        type,
        amount,
        amountUnit: unit,
        limitPrice: type === OrderType.ORDER_TYPE_LIMIT ? String(f.get("at")) : "",
        stopPrice: type === OrderType.ORDER_TYPE_STOP ? String(f.get("at")) : "",
        stopLoss: String(f.get("sl") ?? ""),
        takeProfit: String(f.get("tp") ?? ""),
        timeInForce: TimeInForce.TIME_IN_FORCE_GTC,
        clientOrderId: crypto.randomUUID(),
      }),
    // A fill arrives as trade_executed (which refreshes the account); a resting order shows here.
    onSuccess: (r) =>
      r.order?.status === OrderStatus.PENDING && void queries.invalidateQueries({ queryKey: ["paper", "orders"] }),
  });
  const contract = Number(info?.contractSize || 1);
  const units = Number(amount) * (unit === AmountUnit.AMOUNT_UNIT_LOTS ? contract : 1);
  const leverage = LEVERAGE[info?.assetType ?? AssetType.FOREX] ?? 1;
  const margin = Number.isFinite(units) && price > 0 ? (units * price) / leverage : 0;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    order.mutate(new FormData(e.currentTarget));
  };
  const result = order.data?.order;
  return (
    <form className="card ticket" onSubmit={submit} aria-labelledby="ticket-title">
      <h2 id="ticket-title">Paper order · {symbol}</h2>
      <fieldset className="sides">
        <legend className="sr-only">Side</legend>
        {[
          [OrderSide.ORDER_SIDE_BUY, "Buy"],
          [OrderSide.ORDER_SIDE_SELL, "Sell"],
        ].map(([value, label]) => (
          <label key={label} className={`side ${side === value ? "on" : ""}`}>
            <input type="radio" name="side" checked={side === value} onChange={() => setSide(value as OrderSide)} />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <label>
          Type
          <select value={type} onChange={(e) => setType(Number(e.target.value))}>
            <option value={OrderType.ORDER_TYPE_MARKET}>Market</option>
            <option value={OrderType.ORDER_TYPE_LIMIT}>Limit</option>
            <option value={OrderType.ORDER_TYPE_STOP}>Stop</option>
          </select>
        </label>
        {type !== OrderType.ORDER_TYPE_MARKET && (
          <label>
            {type === OrderType.ORDER_TYPE_LIMIT ? "Limit price" : "Stop price"}
            <input name="at" inputMode="decimal" required pattern="[0-9]+(\.[0-9]+)?" />
          </label>
        )}
      </div>
      <div className="row">
        <label>
          Amount
          <input
            name="amount"
            inputMode="decimal"
            required
            pattern="[0-9]+(\.[0-9]+)?"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
          />
        </label>
        <label>
          In
          <select value={unit} onChange={(e) => setUnit(Number(e.target.value))}>
            <option value={AmountUnit.AMOUNT_UNIT_UNITS}>Units</option>
            <option value={AmountUnit.AMOUNT_UNIT_LOTS}>Lots ({contract.toLocaleString()} units)</option>
          </select>
        </label>
      </div>
      <div className="row">
        <label>
          Stop loss
          <input name="sl" inputMode="decimal" pattern="[0-9]+(\.[0-9]+)?" placeholder="optional" />
        </label>
        <label>
          Take profit
          <input name="tp" inputMode="decimal" pattern="[0-9]+(\.[0-9]+)?" placeholder="optional" />
        </label>
      </div>
      <p className="hint" data-testid="margin">
        Margin needed ≈ {margin.toLocaleString(undefined, { maximumFractionDigits: 2 })} {info?.quoteCurrency ?? ""}{" "}
        (1:{leverage})
      </p>
      {order.error && <ErrorBox error={order.error} />}
      {result && (
        <p role="status" className="state">
          Order {OrderStatus[result.status].toLowerCase()}
          {result.fillPrice ? ` at ${result.fillPrice}` : ""}
          {result.rejectReason ? `: ${result.rejectReason}` : ""}
        </p>
      )}
      <button className={`primary ${side === OrderSide.ORDER_SIDE_SELL ? "sell" : "buy"}`} type="submit" disabled={order.isPending}>
        {side === OrderSide.ORDER_SIDE_BUY ? "Buy" : "Sell"} {symbol}
      </button>
    </form>
  );
}
