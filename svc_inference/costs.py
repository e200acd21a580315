"""Trading costs of a signal: the spread of the session it is entered in (svc_market's model).

The spread is paid once per round trip (half at the entry, half at the exit); the session is the
one of the entry instant, so a signal entered in the Asian session pays the Asian spread.
"""

from __future__ import annotations

from datetime import datetime

from svc_market.catalogue import BY_SYMBOL
from svc_market.trading_hours import session_at


def session_spread(symbol: str, when: datetime) -> float:
    """The modelled spread of `symbol` (price units) in the session of `when`; 0 when unknown."""
    spec = BY_SYMBOL.get(symbol.upper())
    if spec is None:
        return 0.0
    return spec.spread_pips[session_at(when)] * float(spec.pip_size)
