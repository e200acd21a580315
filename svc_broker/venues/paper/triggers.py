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


# (position side, what) -> the quote price that closes it and how it must compare to the level
_POSITION_TRIGGERS = {
    ("long", "stop_loss"): ("bid", "le"),
    ("long", "take_profit"): ("bid", "ge"),
    ("short", "stop_loss"): ("ask", "ge"),
    ("short", "take_profit"): ("ask", "le"),
}


def position_triggers(side: str, stop_loss: Decimal | None, take_profit: Decimal | None) -> list[Trigger]:
    """A long closes at the bid: SL when the bid falls to it, TP when it rises to it.
    A short closes at the ask: SL when the ask rises to it, TP when it falls to it."""
    found = []
    for what, level in (("stop_loss", stop_loss), ("take_profit", take_profit)):
        if level is not None:
            found.append(Trigger(*_POSITION_TRIGGERS[(side, what)], level, what))
    return found


def position_touched(side: str, what: str, level: Decimal | None, quote: Quote) -> bool:
    """Whether `quote` reaches a position's `what` at `level` (None: it has none), as its
    `Trigger` judges it, without making one (a tick may judge thousands)."""
    if level is None:
        return False
    source, op = _POSITION_TRIGGERS[(side, what)]
    price = quote.bid if source == "bid" else quote.ask
    return price <= level if op == "le" else price >= level


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
