"""PlatformService: what a server runs, and a heartbeat stream for checking long-lived calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from google.protobuf.timestamp_pb2 import Timestamp
from trading.platform.v1 import platform_messages_pb2 as pb
from trading.platform.v1 import platform_service_pb2_grpc as pb_grpc

from core.clock import Clock
from core.convert import timestamp

VERSION = "0.1.0"


def _ts(clock: Clock) -> Timestamp:
    return timestamp(clock.now())


class PlatformServicer(pb_grpc.PlatformServiceServicer):
    """Answers from the composition root, which knows the services it runs."""

    def __init__(self, clock: Clock, services: Sequence[str], run_mode: str) -> None:
        self.clock = clock
        self.services = list(services)
        self.run_mode = run_mode

    async def GetServerInfo(
        self, request: pb.GetServerInfoRequest, context: object
    ) -> pb.GetServerInfoResponse:
        return pb.GetServerInfoResponse(
            version=VERSION, server_time=_ts(self.clock), services=self.services, run_mode=self.run_mode
        )

    async def StreamHeartbeats(
        self, request: pb.StreamHeartbeatsRequest, context: object
    ) -> AsyncIterator[pb.StreamHeartbeatsResponse]:
        for seq in range(1, request.count + 1):
            yield pb.StreamHeartbeatsResponse(sequence=seq, server_time=_ts(self.clock))
            if seq < request.count and request.interval_ms:
                await asyncio.sleep(request.interval_ms / 1000)
