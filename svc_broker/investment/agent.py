"""Trading agents: one per product, listening on `signals:{symbol}` for the product's symbols.

For each signal and each of the product's active accounts the agent runs the risk checks, sizes
the order and sends it to the account's venue with a client order id derived from the signal, so
a retried or re-delivered signal never places a second order. Every decision, taken or refused,
is stored (one per account and signal) and every fill is written to the execution log with the
owner's `trade_executed` event staged in the same transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from trading.events.v1 import events_payloads_pb2 as ev
from trading.events.v1.events_envelope_pb2 import Event

from core import outbox
from core.bus import Bus
from core.clock import Clock
from core.db import Database, decimal_str
from core.errors import DomainError, Unavailable
from core.events import new_event, signals_channel, user_trades_channel
from svc_broker.broker import Broker, OrderRequest, OrderView
from svc_broker.investment.accounts import Accounts
from svc_broker.investment.models import OUTBOX, AgentDecision, Execution, InvestmentAccountRow
from svc_broker.investment.products import Product
from svc_broker.investment.risk import Signal, Verdict, evaluate
from svc_broker.market import Quote, SymbolSpec
from svc_broker.values import Side, Symbol

log = logging.getLogger("svc_broker.investment.agent")
PRODUCER = "broker"
_SIDES = {ev.SIGNAL_DIRECTION_LONG: "buy", ev.SIGNAL_DIRECTION_SHORT: "sell"}


@dataclass(frozen=True)
class Outcome:
    account_id: str
    decision: str  # taken, refused, failed
    code: str
    reason: str
    order: OrderView | None = None


def signal_of(payload: ev.MlSignalNew) -> Signal | None:
    side = _SIDES.get(payload.signal)
    if side is None or not payload.signal_id:
        return None
    return Signal(
        signal_id=payload.signal_id,
        symbol=payload.symbol,
        side=side,
        entry=Decimal(repr(payload.entry)),
        stop_loss=Decimal(repr(payload.sl)),
        take_profit=Decimal(repr(payload.tp)) if payload.tp else None,
        confidence=payload.confidence,
        experimental=payload.experimental,
    )


class TradingAgent:
    def __init__(
        self,
        product: Product,
        accounts: Accounts,
        venue: Broker,
        db: Database,
        clock: Clock,
        spec_of: Callable[[str], SymbolSpec | None],
        quote_of: Callable[[str], Quote | None],
        *,
        venue_kind: int = ev.TRADE_VENUE_PAPER,
        concurrency: int = 8,
    ) -> None:
        self.concurrency = concurrency  # accounts decided at once for one signal
        self.product, self.accounts, self.venue, self.db, self.clock = product, accounts, venue, db, clock
        self.spec_of, self.quote_of, self.venue_kind = spec_of, quote_of, venue_kind

    @property
    def channels(self) -> list[str]:
        return [signals_channel(s) for s in self.product.symbols]

    async def run(self, bus: Bus) -> None:
        async with bus.subscribe(*self.channels) as signals:
            async for message in signals:
                event = Event.FromString(message.data)
                if event.type != "ml_signal_new":
                    continue
                try:
                    await self.on_signal(event.ml_signal_new)
                except Exception:  # one bad signal must not stop the agent
                    log.exception(
                        "signal not handled", extra={"fields": {"signal": event.ml_signal_new.signal_id}}
                    )

    async def on_signal(self, payload: ev.MlSignalNew) -> list[Outcome]:
        signal = signal_of(payload)
        if signal is None or signal.symbol not in self.product.symbols:
            return []
        rows = await self.accounts.trading(self.product.product_id)
        if signal.experimental:
            log.info(
                "experimental signal refused: its model has not passed the promotion gate",
                extra={"fields": {"signal": signal.signal_id, "agent": self.product.agent_id}},
            )
        gate = asyncio.Semaphore(self.concurrency)

        async def one(row: InvestmentAccountRow) -> Outcome:
            async with gate:
                return await self.decide(row, signal)

        return list(await asyncio.gather(*(one(r) for r in rows)))

    async def decide(self, row: InvestmentAccountRow, signal: Signal) -> Outcome:
        assert row.venue_account is not None
        state = await self.accounts.state(row)
        positions = (await self.venue.positions(row.venue_account, status="open")).items
        client_order_id = f"sig-{signal.signal_id}"[:64]
        if any(p.symbol == signal.symbol for p in positions):  # maybe ours, from a reply that was lost
            placed = await self._placed(row.venue_account, signal.symbol, client_order_id)
            if placed is not None:
                done = Verdict(
                    True, "ok", "the venue had filled this signal's order already", placed.quantity
                )
                return await self._record(row, signal, "taken", done, placed, self.quote_of(signal.symbol))
        net = row.deposited_minor - row.withdrawn_minor
        verdict = evaluate(
            self.product,
            signal,
            self.spec_of(signal.symbol),
            state.equity_minor,
            net,
            positions,
            self.clock.now(),
        )
        if not verdict.taken:
            return await self._record(row, signal, "refused", verdict)
        request = OrderRequest(
            symbol=Symbol(signal.symbol),
            side=Side.parse(signal.side, "side"),
            amount=verdict.quantity or Decimal(0),
            stop_loss=signal.stop_loss,
            take_profit=signal.take_profit,
            client_order_id=client_order_id,
        )
        quote = self.quote_of(signal.symbol)
        try:
            order = await self.venue.place_order(row.venue_account, request)
        except Unavailable as unreachable:  # not decided: a re-delivery of the signal tries again
            return Outcome(row.id, "failed", "venue_unavailable", unreachable.message)
        except DomainError as refused:
            code = (refused.reason or "venue_refused").lower()
            return await self._record(
                row, signal, "refused", Verdict(False, code, f"venue: {refused.message}")
            )
        if order.status != "filled":
            return await self._record(
                row, signal, "refused", Verdict(False, order.status, order.reject_reason or "")
            )
        return await self._record(row, signal, "taken", verdict, order, quote)

    async def _placed(self, venue_account: str, symbol: str, client_order_id: str) -> OrderView | None:
        token = ""
        while True:
            page = await self.venue.list_orders(venue_account, symbol=symbol, page_size=200, page_token=token)
            for order in page.items:
                if order.client_order_id == client_order_id and order.status == "filled":
                    return order
            token = page.next_token
            if not token:
                return None

    async def _record(
        self,
        row: InvestmentAccountRow,
        signal: Signal,
        decision: str,
        verdict: Verdict,
        order: OrderView | None = None,
        quote: Quote | None = None,
    ) -> Outcome:
        now = self.clock.now()
        reason = verdict.reason if verdict.code == "ok" else f"{verdict.code}: {verdict.reason}"
        try:
            async with self.db.transaction() as s:
                entry = AgentDecision(
                    account_id=row.id,
                    agent_id=self.product.agent_id,
                    signal_id=signal.signal_id,
                    symbol=signal.symbol,
                    decision=decision,
                    reason=reason,
                    quantity=order.quantity if order else None,
                    at=now,
                )
                s.add(entry)
                await s.flush()
                if order is not None:
                    s.add(self._execution(row, signal, entry.id, order, quote))
                    await self._stage(s, row, signal, order)
        except IntegrityError:  # the signal was already decided for this account (a re-delivery)
            async with self.db.session() as s:
                first = await s.scalar(
                    select(AgentDecision).where(
                        AgentDecision.account_id == row.id, AgentDecision.signal_id == signal.signal_id
                    )
                )
            assert first is not None
            return Outcome(row.id, first.decision, "duplicate", first.reason)
        return Outcome(row.id, decision, verdict.code, reason, order)

    def _execution(
        self,
        row: InvestmentAccountRow,
        signal: Signal,
        decision_id: int,
        order: OrderView,
        quote: Quote | None,
    ) -> Execution:
        return Execution(
            signal_id=signal.signal_id,
            account_id=row.id,
            decision_id=decision_id,
            venue=row.venue,
            broker_account=row.venue_account,
            ticket=order.order_id,
            symbol=order.symbol,
            side=order.side,
            volume=order.quantity,
            requested_price=signal.entry,
            filled_price=order.fill_price,
            spread=(quote.ask - quote.bid) if quote else None,
            source="agent",
            executed_at=order.filled_at or self.clock.now(),
        )

    async def _stage(self, s: object, row: InvestmentAccountRow, signal: Signal, order: OrderView) -> None:
        payload = ev.TradeExecuted(
            trade_id=order.order_id,
            order_id=order.order_id,
            user_id=row.user_id,
            symbol=order.symbol,
            side=ev.TRADE_SIDE_BUY if order.side == "buy" else ev.TRADE_SIDE_SELL,
            price=decimal_str(order.fill_price) if order.fill_price is not None else "",
            quantity=decimal_str(order.quantity),
            status=ev.TRADE_STATUS_FILLED,
            venue=self.venue_kind,  # type: ignore[arg-type]
            account_id=row.id,
            signal_id=signal.signal_id,
        )
        payload.executed_at.FromDatetime(order.filled_at or self.clock.now())
        channel = user_trades_channel(row.user_id)
        event = new_event("trade_executed", channel, payload, PRODUCER, self.clock)
        await outbox.stage(s, channel, event.SerializeToString(), table=OUTBOX, clock=self.clock)  # type: ignore[arg-type]
