"""What GetDataHealth reports: each data provider's state and whether the service is degraded."""

from __future__ import annotations

from dataclasses import dataclass

from core.breaker import CircuitBreaker
from svc_market.providers import BarsProvider, QuotesProvider
from svc_market.sync import FallbackUse, provider_available


@dataclass(frozen=True)
class ProviderState:
    name: str
    enabled: bool
    available: bool
    retry_after_s: float = 0.0
    active: bool = False  # the newest answer came from it (the fallback while it serves)


@dataclass(frozen=True)
class DataHealth:
    status: str  # "ok" or "degraded"
    providers: list[ProviderState]


def data_health(
    bars: BarsProvider,
    vendor: bool,
    breaker: CircuitBreaker,
    fallback: BarsProvider | None,
    fallback_use: FallbackUse,
    live: QuotesProvider,
) -> DataHealth:
    """`vendor`: the bars provider is an outside vendor (not the simulated twin).

    Degraded while the vendor's circuit is open (the fallback, if any, serves meanwhile), while
    the fallback answered the newest sync, or while symbols are wanted live and no live
    connection is up (the stored series answer meanwhile)."""
    available = provider_available(breaker)
    primary = ProviderState(
        "polygon",
        vendor,
        vendor and available,
        breaker.retry_after_s() if vendor else 0.0,
        active=vendor and not fallback_use.active,
    )
    states = [primary]
    if fallback is not None:
        up = not fallback_use.failing
        states.append(ProviderState(fallback.name, True, up, active=fallback_use.active))
    states.append(ProviderState("polygon_ws", live.enabled, live.enabled and live.any_up))
    states.append(ProviderState("stored", True, True))
    live_down = live.enabled and bool(live.subscriptions()) and not live.any_up
    degraded = (vendor and not available) or fallback_use.active or live_down
    return DataHealth("degraded" if degraded else "ok", states)
