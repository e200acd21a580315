"""svc_market's instrument model as other services read it: a ListSymbolsResponse built by
market's own converter from its catalogue, read back through the consumer's converter."""

from __future__ import annotations

from trading.market.v1 import market_messages_pb2 as pb

from svc_inference.instruments import Instruments
from svc_market.catalogue import CATALOGUE
from svc_market.convert import modelled_spreads


def list_symbols_reply() -> pb.ListSymbolsResponse:
    return pb.ListSymbolsResponse(
        symbols=[pb.SymbolInfo(symbol=s.symbol, spreads=modelled_spreads(s.symbol)) for s in CATALOGUE]
    )


def market_instruments() -> Instruments:
    """What the ML engine holds once the market has answered ListSymbols."""
    return Instruments.from_market(list_symbols_reply())
