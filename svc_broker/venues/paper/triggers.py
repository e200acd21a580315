"""Price levels that make something happen: SL/TP of positions, limit and stop orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from svc_broker.market import Quote
from svc_broker.models import PaperOrder, PaperPosition


@dataclass(frozen=True)
class Trigger:
    """Fires when the quote's `source` price ("bid" or "ask") is at or beyond `level`:
    at or below it for op "le", at or above it for op "ge"."""

    source: str
    op: str
    level: Decimal
    what: str  # "stop_loss", "take_profit", "order"

    def touched(self, quote: Quote) -> bool:
        price = quote.bid if self.source == "bid" else quote.ask
        return price <= self.level if self.op == "le" else price >= self.level


def position_triggers(side: str, stop_loss: Decimal | None, take_profit: Decimal | None) -> list[Trigger]:
    """A long closes at the bid: SL when the bid falls to it, TP when it rises to it.
    A short closes at the ask: SL when the ask rises to it, TP when it falls to it."""
    source = "bid" if side == "long" else "ask"
    sl_op, tp_op = ("le", "ge") if side == "long" else ("ge", "le")
    found = []
    if stop_loss is not None:
        found.append(Trigger(source, sl_op, stop_loss, "stop_loss"))
    if take_profit is not None:
        found.append(Trigger(source, tp_op, take_profit, "take_profit"))
    return found


def order_trigger(side: str, type: str, limit_price: Decimal | None, stop_price: Decimal | None) -> Trigger:
    """A buy fills at the ask: a buy limit when the ask falls to the limit, a buy stop when it
    rises to the stop. A sell fills at the bid, the other way round."""
    source = "ask" if side == "buy" else "bid"
    if type == "limit":
        assert limit_price is not None
        return Trigger(source, "le" if side == "buy" else "ge", limit_price, "order")
    assert stop_price is not None
    return Trigger(source, "ge" if side == "buy" else "le", stop_price, "order")


@dataclass(frozen=True)
class Watch:
    """The price triggers of one position or pending order; no triggers means stop watching it."""

    key: tuple[str, int]  # ("position", id) or ("order", id)
    symbol: str
    triggers: tuple[Trigger, ...]


def position_watch(p: PaperPosition) -> Watch:
    triggers = position_triggers(p.side, p.stop_loss, p.take_profit) if p.status == "open" else []
    return Watch(("position", p.id), p.symbol, tuple(triggers))


def order_watch(o: PaperOrder) -> Watch:
    pending = o.status == "pending"
    triggers = (order_trigger(o.side, o.type, o.limit_price, o.stop_price),) if pending else ()
    return Watch(("order", o.id), o.symbol, triggers)
