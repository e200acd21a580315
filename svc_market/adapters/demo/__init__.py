"""The twins of the vendor adapters, for a run without keys: simulated bars that continue the
stored series, and a quotes provider that never quotes (the stored series answer instead)."""

from svc_market.adapters.demo.bars import SimulatedBars
from svc_market.adapters.demo.quotes import NoLiveQuotes

__all__ = ["NoLiveQuotes", "SimulatedBars"]
