"""The twin of a live quotes provider: it quotes nothing, so the stored series answer (the demo
tick feed in the demo run, the replay of stored bars otherwise)."""

from __future__ import annotations

from svc_market.providers import LiveQuote


class NoLiveQuotes:
    """A QuotesProvider with no upstream."""

    name = "stored"
    enabled = False
    any_up = False

    def supports(self, symbol: str) -> bool:
        return False

    def acquire(self, symbol: str) -> None:
        return None

    def release(self, symbol: str) -> None:
        return None

    def latest(self, symbol: str) -> LiveQuote | None:
        return None

    def subscriptions(self) -> set[str]:
        return set()

    def sessions(self) -> int:
        return 0

    async def close(self) -> None:
        return None
