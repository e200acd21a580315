"""The language model: Claude on Anthropic's Messages API, and the template twin."""

from svc_agent.adapters.anthropic.interface import (
    LanguageModel,
    ModelEvent,
    ModelUnavailable,
    TextDelta,
    ToolUse,
    TurnEnd,
    TurnRequest,
)

__all__ = [
    "LanguageModel",
    "ModelEvent",
    "ModelUnavailable",
    "TextDelta",
    "ToolUse",
    "TurnEnd",
    "TurnRequest",
]
