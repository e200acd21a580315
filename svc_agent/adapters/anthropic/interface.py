"""What the assistant needs of a language model: one streamed turn of the Messages API shape.

Messages and tools are plain dicts in Anthropic's documented format (role, content blocks of
text, tool_use and tool_result; tools with a JSON-schema input_schema), so the real client
sends them as they are and the twin reads the same structure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class TurnRequest:
    """One request: the system prompt, the conversation so far, the tools and a token cap."""

    system: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    max_tokens: int


@dataclass(frozen=True)
class TextDelta:
    """The next piece of the reply's text."""

    text: str


@dataclass(frozen=True)
class ToolUse:
    """A complete tool_use block: the model asks for `name` with `input`."""

    id: str
    name: str
    input: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnEnd:
    """The turn ended: why (end_turn, tool_use, max_tokens, ...) and the tokens it cost."""

    stop_reason: str
    input_tokens: int
    output_tokens: int


ModelEvent = TextDelta | ToolUse | TurnEnd


class ModelUnavailable(Exception):
    """The model could not answer (vendor error, timeout, circuit open); `reason` is stable."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class LanguageModel(Protocol):
    """A streaming model. `name` is the model that answers (reported with each reply)."""

    @property
    def name(self) -> str: ...

    def stream(self, request: TurnRequest) -> AsyncIterator[ModelEvent]:
        """Events of one turn, ending with TurnEnd; ModelUnavailable when it cannot answer."""
        ...
