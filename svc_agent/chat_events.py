"""Each reply item also goes out on the bus as `llm_response_chunk` on chat:{conversation_id}
(seed 5.2), for the browser's WebSocket: the same item the Chat stream sent, in `response`."""

from __future__ import annotations

import logging

from trading.agent.v1 import agent_messages_pb2 as pb
from trading.events.v1 import events_payloads_pb2 as events_pb

from core.bus import Bus
from core.clock import Clock
from core.events import chat_channel, new_event

PRODUCER = "agent"
log = logging.getLogger(__name__)


class ChatPublisher:
    def __init__(self, bus: Bus, clock: Clock) -> None:
        self._bus = bus
        self._clock = clock

    async def publish(self, item: pb.ChatResponse) -> None:
        chunk = events_pb.LlmResponseChunk(
            conversation_id=item.conversation_id,
            message_id=item.message_id,
            chunk=item.text_delta,
            index=item.index,
            done=item.HasField("completed"),
            response=item,
        )
        channel = chat_channel(item.conversation_id)
        event = new_event("llm_response_chunk", channel, chunk, PRODUCER, self._clock)
        try:
            await self._bus.publish(channel, event.SerializeToString())
        except Exception:  # the browser's copy; the gRPC stream goes on without it
            log.warning("chat chunk not published", extra={"fields": {"channel": channel}})
