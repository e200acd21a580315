"""The template twin of Claude: the same LanguageModel, answering from the intent parser.

On the user's message it asks for the tool the message names (or writes the help text); on the
tool results it writes the fixed-form answer. It never fails and costs no tokens.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from svc_agent import templates
from svc_agent.adapters.anthropic.interface import ModelEvent, TextDelta, ToolUse, TurnEnd, TurnRequest

TEMPLATE_MODEL = "template"


class TemplateModel:
    """A LanguageModel with no model behind it."""

    @property
    def name(self) -> str:
        return TEMPLATE_MODEL

    async def stream(self, request: TurnRequest) -> AsyncIterator[ModelEvent]:
        last = request.messages[-1] if request.messages else {"role": "user", "content": ""}
        results = _tool_results(last)
        if results:
            names = _tool_names(request.messages[-2] if len(request.messages) > 1 else {})
            parts = [templates.render_result(names.get(tid, "tool"), out, err) for tid, out, err in results]
            yield TextDelta("\n\n".join(parts))
            yield TurnEnd("end_turn", 0, 0)
            return
        intent = templates.parse_intent(_text_of(last))
        if intent is None or not any(t.get("name") == intent.tool for t in request.tools):
            yield TextDelta(templates.HELP)
            yield TurnEnd("end_turn", 0, 0)
            return
        yield ToolUse(f"toolu_template_{len(request.messages)}", intent.tool, intent.input)
        yield TurnEnd("tool_use", 0, 0)


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")


def _tool_results(message: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    content = message.get("content")
    if message.get("role") != "user" or not isinstance(content, list):
        return []
    found = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            raw = block.get("content", "")
            text = (
                raw
                if isinstance(raw, str)
                else "".join(b.get("text", "") for b in raw if isinstance(b, dict))
            )
            try:
                output = json.loads(text)
            except ValueError:
                output = {"message": text}
            found.append(
                (
                    str(block.get("tool_use_id", "")),
                    output if isinstance(output, dict) else {"value": output},
                    bool(block.get("is_error")),
                )
            )
    return found


def _tool_names(message: dict[str, Any]) -> dict[str, str]:
    content = message.get("content")
    if not isinstance(content, list):
        return {}
    return {
        str(b.get("id")): str(b.get("name"))
        for b in content
        if isinstance(b, dict) and b.get("type") == "tool_use"
    }
