"""The engine reads bars only when a newer closed bar can exist, and once for concurrent callers."""

from __future__ import annotations

import asyncio

import pandas as pd

from svc_inference.bar_source import FrameBarSource


class CountingSource(FrameBarSource):
    """The in-memory bar source, counting reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def recent(self, symbol: str, timeframe: str, limit: int) -> pd.DataFrame:
        self.reads += 1
        await asyncio.sleep(0)  # let concurrent callers pile up behind the read
        return await super().recent(symbol, timeframe, limit)


async def test_bars_are_read_again_only_when_a_new_bar_can_have_closed(
    kit, bars, trained, bundle, register_champion
) -> None:
    source = CountingSource()
    source.put("EURUSD", "5m", bars.iloc[:-1])
    kit.engine.bars = source
    await register_champion(kit, trained, bundle)
    q = kit.engine.query("EURUSD")
    kit.clock.set(pd.Timestamp(bars["ts"].iloc[-2]).to_pydatetime() + pd.Timedelta(minutes=6))

    first = await asyncio.gather(*(kit.engine.signal(q) for _ in range(20)))
    assert source.reads == 1
    assert len({id(s.prediction) for s in first}) == 1

    kit.clock.advance(180)  # still before the next bar's close
    await kit.engine.predict(q)
    assert source.reads == 1

    kit.clock.advance(180)  # past it, but the source has no newer bar yet: the same answer
    lagging = await kit.engine.predict(q)
    assert source.reads == 2
    assert lagging is first[0].prediction
    await kit.engine.predict(q)
    assert source.reads == 2  # asked again only after new_bar_retry_s

    source.put("EURUSD", "5m", bars)
    kit.clock.advance(kit.settings.new_bar_retry_s)
    fresh = await kit.engine.predict(q)
    assert source.reads == 3
    assert fresh.bar_time == pd.Timestamp(bars["ts"].iloc[-1]).to_pydatetime()
    assert fresh.bar_time > lagging.bar_time


async def test_a_new_champion_is_used_at_once(kit, trained, bundle, register_champion) -> None:
    await register_champion(kit, trained, bundle)
    q = kit.engine.query("EURUSD")
    before = await kit.engine.predict(q)
    record = await kit.engine.registry.register(
        symbol="EURUSD", timeframe="5m", trained=trained, bundle=bundle, now=kit.clock.now()
    )
    await kit.engine.promote(record.name, record.version, force=True)
    after = await kit.engine.predict(q)
    assert (before.model_version, after.model_version) == (1, 2)
    assert after.bar_time == before.bar_time
