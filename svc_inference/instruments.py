"""What the engine reads of market data's instrument model: the symbols it lists and each one's
modelled spread by session, the cost a signal pays (half at the entry, half at the exit; the
session is the entry's, so a signal entered in the Asian session pays the Asian spread).

svc_market owns the model and serves it by ListSymbols; the engine keeps a copy read through that
contract (MarketBarSource, cached) and defines none of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from quant.trading_hours import session_at


@dataclass(frozen=True)
class Instruments:
    symbols: tuple[str, ...] = ()
    # the spread model: symbol -> session name -> typical spread in price units
    spreads: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def session_spread(self, symbol: str, when: datetime) -> float:
        """The modelled spread of `symbol` (price units) in the session of `when`; 0 when unknown."""
        return self.spreads.get(symbol.upper(), {}).get(session_at(when), 0.0)

    @classmethod
    def from_market(cls, reply: Any) -> Instruments:
        """A market ListSymbolsResponse as the engine's copy."""
        from trading.market.v1 import market_messages_pb2 as pb

        return cls(
            symbols=tuple(info.symbol for info in reply.symbols),
            spreads={
                info.symbol: {
                    pb.Session.Name(s.session).removeprefix("SESSION_").lower(): float(s.spread)
                    for s in info.spreads
                }
                for info in reply.symbols
            },
        )


UNKNOWN = Instruments()


@runtime_checkable
class InstrumentSource(Protocol):
    """Market data's instrument model, as last read (UNKNOWN until it has answered)."""

    async def instruments(self) -> Instruments: ...


class FixedInstruments:
    def __init__(self, model: Instruments = UNKNOWN) -> None:
        self.model = model

    async def instruments(self) -> Instruments:
        return self.model


def instruments_of(source: object) -> InstrumentSource:
    """The instrument model a bar source also reads from market data, or none (spreads of 0)."""
    return source if isinstance(source, InstrumentSource) else FixedInstruments()
