import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { paper } from "../api/clients";
import { OrderStatus, PositionSide, PositionStatus, type Position } from "../gen/trading/broker/v1/broker_messages_pb";
import { money, price as fmt } from "../lib/format";
import { ErrorBox, Query } from "./States";

// No polling (the paper quota is counted per minute): trade and position events refresh these, and
// the chart symbol's positions move with each tick.
const EVENTS = 120_000; // fresh until an event says otherwise

function livePnl(p: Position, symbol: string, price: number | null): string | null {
  if (p.symbol !== symbol || price === null) return null;
  const sign = p.side === PositionSide.LONG ? 1 : -1;
  return (sign * (price - Number(p.averagePrice)) * Number(p.quantity)).toFixed(2);
}

export function PaperAccount({ symbol, price }: { symbol: string; price: number | null }) {
  const queries = useQueryClient();
  const refresh = () => void queries.invalidateQueries({ queryKey: ["paper", "orders"] });
  const account = useQuery({ queryKey: ["paper", "account"], queryFn: () => paper.getAccount({}), staleTime: EVENTS });
  const positions = useQuery({
    queryKey: ["paper", "positions"],
    queryFn: () => paper.listPositions({ status: PositionStatus.OPEN }),
    staleTime: EVENTS,
  });
  const orders = useQuery({
    queryKey: ["paper", "orders"],
    queryFn: () => paper.listOrders({ status: OrderStatus.PENDING }),
    staleTime: EVENTS,
  });
  // Closing trades: position_closed refreshes the list; a cancel has no event, so it refreshes the orders.
  const close = useMutation({ mutationFn: (id: string) => paper.closePosition({ positionId: id }) });
  const cancel = useMutation({ mutationFn: (id: string) => paper.cancelOrder({ orderId: id }), onSuccess: refresh });

  return (
    <div className="card account">
      <h2>Paper account</h2>
      <Query q={account} what="the account">
        {({ account: a }) => (
          <dl className="facts inline" data-testid="equity">
            <dt>Equity</dt>
            <dd>{money(a?.equity)}</dd>
            <dt>Balance</dt>
            <dd>{money(a?.balance)}</dd>
            <dt>Free margin</dt>
            <dd>{money(a?.freeMargin)}</dd>
          </dl>
        )}
      </Query>
      <h3>Open positions</h3>
      {(close.error || cancel.error) && <ErrorBox error={close.error ?? cancel.error} />}
      <Query q={positions} what="positions" empty={(d) => (d.positions.length ? null : "No open positions.")}>
        {(d) => (
          <div className="scroll">
            <table data-testid="positions">
              <thead>
                <tr>
                  <th scope="col">Symbol</th>
                  <th scope="col">Side</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Entry</th>
                  <th scope="col">PnL</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.positions.map((p) => {
                  const live = livePnl(p, symbol, price);
                  return (
                    <tr key={p.positionId}>
                      <td>{p.symbol}</td>
                      <td>{p.side === PositionSide.LONG ? "Long" : "Short"}</td>
                      <td>{p.quantity}</td>
                      <td>{fmt(p.averagePrice)}</td>
                      <td>{live !== null ? `${live} (live)` : money(p.unrealizedPnl)}</td>
                      <td>
                        <button type="button" onClick={() => close.mutate(p.positionId)}>
                          Close <span className="sr-only">{p.symbol} position</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Query>
      <h3>Pending orders</h3>
      <Query q={orders} what="orders" empty={(d) => (d.orders.length ? null : "No pending orders.")}>
        {(d) => (
          <ul className="orders">
            {d.orders.map((o) => (
              <li key={o.orderId}>
                {o.symbol} {o.quantity} @ {o.limitPrice || o.stopPrice}{" "}
                <button type="button" onClick={() => cancel.mutate(o.orderId)}>
                  Cancel <span className="sr-only">order</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </Query>
    </div>
  );
}
