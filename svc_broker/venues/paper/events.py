"""The events a paper fill emits, staged in the outbox with the change that caused them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncSession
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev
from trading.events.v1.events_envelope_pb2 import Event

from core import outbox
from core.clock import Clock
from core.db import decimal_str
from core.events import new_event, user_positions_channel, user_trades_channel
from svc_broker.models import OUTBOX, PaperAccount, PaperOrder, PaperPosition, PaperTrade
from svc_broker.venues.paper.netting import Fill

PRODUCER = "broker"
_SIDE = {"buy": ev.TRADE_SIDE_BUY, "sell": ev.TRADE_SIDE_SELL}
_ORDER_TYPE = {
    "market": ev.TRADE_ORDER_TYPE_MARKET,
    "limit": ev.TRADE_ORDER_TYPE_LIMIT,
    "stop": ev.TRADE_ORDER_TYPE_STOP,
}
_CLOSE_REASON = {
    "stop_loss": ev.POSITION_CLOSE_REASON_STOP_LOSS,
    "take_profit": ev.POSITION_CLOSE_REASON_TAKE_PROFIT,
    "close": ev.POSITION_CLOSE_REASON_MANUAL,
    "order": ev.POSITION_CLOSE_REASON_MANUAL,
    "stop_out": ev.POSITION_CLOSE_REASON_MARGIN_CALL,
}


def trade_executed(user_id: str, account_id: int, trade: PaperTrade, clock: Clock) -> tuple[str, bytes]:
    payload = ev.TradeExecuted(
        trade_id=str(trade.id),
        order_id=str(trade.order_id) if trade.order_id is not None else "",
        user_id=user_id,
        symbol=trade.symbol,
        side=_SIDE[trade.side],
        price=decimal_str(trade.price),
        quantity=decimal_str(trade.quantity),
        status=ev.TRADE_STATUS_FILLED,
        venue=ev.TRADE_VENUE_PAPER,
        account_id=str(account_id),
        position_id=str(trade.position_id),
    )
    payload.executed_at.FromDatetime(trade.executed_at)
    # The order is the one the fill was booked for (set in memory, never lazily loaded); a stop
    # loss, take profit or close has none.
    order: PaperOrder | None = trade.__dict__.get("order")
    if order is not None:
        _describe_order(payload, order)
    return _event("trade_executed", user_trades_channel(user_id), payload, clock)


def _describe_order(payload: ev.TradeExecuted, order: PaperOrder) -> None:
    payload.order_type = _ORDER_TYPE.get(order.type, ev.TRADE_ORDER_TYPE_UNSPECIFIED)
    if order.stop_loss is not None:
        payload.stop_loss = decimal_str(order.stop_loss)
    if order.take_profit is not None:
        payload.take_profit = decimal_str(order.take_profit)


async def stage_order_refused(
    session: AsyncSession, user_id: str, account_id: int, order: PaperOrder, clock: Clock
) -> None:
    """A pending order that ended without a fill (rejected when triggered, cancelled, expired)."""
    status = ev.TRADE_STATUS_REJECTED if order.status == "rejected" else ev.TRADE_STATUS_CANCELED
    payload = ev.TradeExecuted(
        order_id=str(order.id),
        user_id=user_id,
        symbol=order.symbol,
        side=_SIDE[order.side],
        status=status,
        venue=ev.TRADE_VENUE_PAPER,
        account_id=str(account_id),
    )
    _describe_order(payload, order)
    payload.executed_at.FromDatetime(order.updated_at)
    await _stage(session, "trade_executed", user_trades_channel(user_id), payload, clock)


def position_closed(
    user_id: str, account_id: int, position: PaperPosition, closing: PaperTrade, currency: str, clock: Clock
) -> tuple[str, bytes]:
    payload = ev.PositionClosed(
        position_id=str(position.id),
        user_id=user_id,
        symbol=position.symbol,
        side=ev.TRADE_SIDE_BUY if position.side == "long" else ev.TRADE_SIDE_SELL,
        entry_price=decimal_str(position.entry_price),
        exit_price=decimal_str(closing.price),
        quantity=decimal_str(closing.quantity),
        pnl=Money(currency=currency, minor_units=position.realized_pnl_minor),
        reason=_CLOSE_REASON[closing.reason],
        venue=ev.TRADE_VENUE_PAPER,
        account_id=str(account_id),
    )
    payload.closed_at.FromDatetime(closing.executed_at)
    return _event("position_closed", user_positions_channel(user_id), payload, clock)


def fill_events(account: PaperAccount, fill: Fill, clock: Clock) -> list[tuple[str, bytes]]:
    """A fill's events: each trade executed, each position it closed."""
    events = [trade_executed(account.user_id, account.id, t, clock) for t in fill.trades]
    events += [
        position_closed(account.user_id, account.id, p, fill.closed_trades[id(p)], account.currency, clock)
        for p in fill.closed
    ]
    return events


class CloseEvents:
    """The `trade_executed` and `position_closed` of positions closed in full without an order,
    from plain values: the envelopes `fill_events` makes, written straight into the envelope (no
    payload built and copied, no ORM row read); every event of the batch stamped at one time."""

    def __init__(self, executed_at: datetime, clock: Clock) -> None:
        occurred, executed = Timestamp(), Timestamp()
        occurred.FromDatetime(clock.now())
        executed.FromDatetime(executed_at)
        # What every event of the batch shares, copied into each (cheaper than setting it anew).
        self._executed = Event(type="trade_executed", producer=PRODUCER)
        self._executed.occurred_at.CopyFrom(occurred)
        t = self._executed.trade_executed
        t.status, t.venue = ev.TRADE_STATUS_FILLED, ev.TRADE_VENUE_PAPER
        t.executed_at.CopyFrom(executed)
        self._closed = Event(type="position_closed", producer=PRODUCER)
        self._closed.occurred_at.CopyFrom(occurred)
        self._closed.position_closed.venue = ev.TRADE_VENUE_PAPER
        self._closed.position_closed.closed_at.CopyFrom(executed)
        self._channels: dict[str, tuple[str, str]] = {}  # user -> (trades, positions)

    def pair(
        self,
        user_id: str,
        account_id: int,
        currency: str,
        position_id: int,
        symbol: str,
        position_side: str,
        entry_price: Decimal,
        trade_id: int,
        side: str,
        price: Decimal,
        quantity: Decimal,
        reason: str,
        total_pnl_minor: int,
    ) -> list[tuple[str, bytes]]:
        channels = self._channels.get(user_id)
        if channels is None:
            channels = self._channels[user_id] = (
                user_trades_channel(user_id),
                user_positions_channel(user_id),
            )
        trades, positions = channels
        price_text, quantity_text = decimal_str(price), decimal_str(quantity)
        account_text, position_text = str(account_id), str(position_id)
        executed = Event()
        executed.CopyFrom(self._executed)
        executed.id, executed.channel = str(uuid.uuid4()), trades
        t = executed.trade_executed
        t.trade_id, t.user_id, t.symbol, t.side = str(trade_id), user_id, symbol, _SIDE[side]
        t.price, t.quantity = price_text, quantity_text
        t.account_id, t.position_id = account_text, position_text
        closed = Event()
        closed.CopyFrom(self._closed)
        closed.id, closed.channel = str(uuid.uuid4()), positions
        c = closed.position_closed
        c.position_id, c.user_id, c.symbol = position_text, user_id, symbol
        c.side = ev.TRADE_SIDE_BUY if position_side == "long" else ev.TRADE_SIDE_SELL
        c.entry_price, c.exit_price, c.quantity = decimal_str(entry_price), price_text, quantity_text
        c.pnl.currency, c.pnl.minor_units = currency, total_pnl_minor
        c.reason, c.account_id = _CLOSE_REASON[reason], account_text
        return [(trades, executed.SerializeToString()), (positions, closed.SerializeToString())]


async def stage_all(session: AsyncSession, events: list[tuple[str, bytes]], clock: Clock) -> None:
    """Stage events in the outbox with one statement, in the caller's transaction."""
    await outbox.stage_many(session, events, table=OUTBOX, clock=clock)


def _event(kind: str, channel: str, payload: Message, clock: Clock) -> tuple[str, bytes]:
    return channel, new_event(kind, channel, payload, PRODUCER, clock).SerializeToString()


async def _stage(session: AsyncSession, kind: str, channel: str, payload: Message, clock: Clock) -> None:
    """Wrap a payload in the event envelope and stage it in the outbox, in the caller's transaction."""
    event = new_event(kind, channel, payload, PRODUCER, clock)
    await outbox.stage(session, channel, event.SerializeToString(), table=OUTBOX, clock=clock)
