"""Publish a test event on a running platform's Redis bus (the browser tests call it mid-test).

python -m tests.web.publish REDIS_URL NAMESPACE signal SYMBOL ID ENTRY SL TP
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from trading.events.v1 import events_envelope_pb2, events_payloads_pb2

from core.bus import RedisBus
from core.events import signals_channel


def signal_event(symbol: str, signal_id: str, entry: float, sl: float, tp: float, now: datetime) -> bytes:
    """An ml_signal_new envelope, as svc_inference publishes it."""
    at = Timestamp()
    at.FromDatetime(now)
    long, short = events_payloads_pb2.SIGNAL_DIRECTION_LONG, events_payloads_pb2.SIGNAL_DIRECTION_SHORT
    direction = long if tp > entry else short
    event = events_envelope_pb2.Event(
        id=f"evt-{signal_id}",
        type="ml_signal_new",
        channel=signals_channel(symbol),
        occurred_at=at,
        producer="tests",
        ml_signal_new=events_payloads_pb2.MlSignalNew(
            signal_id=signal_id,
            symbol=symbol,
            signal=direction,
            entry=entry,
            sl=sl,
            tp=tp,
            rr=round(abs(tp - entry) / abs(entry - sl), 2),
            prob_tp_first=0.62,
            confidence=0.7,
            timeframe="5m",
            horizon_bars=18,
            amd_phase="accumulation",
            generated_at=at,
        ),
    )
    return event.SerializeToString()


async def main(argv: list[str]) -> None:
    redis_url, namespace, kind, symbol, signal_id, entry, sl, tp = argv
    if kind != "signal":
        raise SystemExit(f"unknown event kind {kind!r}")
    bus = RedisBus(redis_url, namespace=namespace)
    try:
        now = datetime.now(UTC)  # the wall clock of the browser that shows it
        data = signal_event(symbol, signal_id, float(entry), float(sl), float(tp), now)
        await bus.publish(signals_channel(symbol), data)
    finally:
        await bus.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
