"""One reply of the assistant: the tool-use loop.

The model is asked with the system prompt, the trimmed history and the tools; each tool_use it
ends a turn with is run through the Toolbox and answered with a tool_result; the loop goes on
until the model stops, bounded by rounds and output tokens. When Claude cannot answer (error,
timeout, breaker open) the same round is answered by the template twin instead, which says so.
Whatever was said is stored, even when the client leaves in the middle.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any

from core.clock import Clock
from core.errors import NotFound
from core.principal import Principal
from svc_agent import prompt, templates
from svc_agent.adapters.anthropic import (
    LanguageModel,
    ModelUnavailable,
    TextDelta,
    ToolUse,
    TurnEnd,
    TurnRequest,
)
from svc_agent.config import AgentSettings
from svc_agent.confirmations import Proposal, ProposalBook, is_cancellation, is_confirmation
from svc_agent.conversations import ConversationStore
from svc_agent.quota import ChatQuota
from svc_agent.tools import TOOL_SPECS, Services, Toolbox

log = logging.getLogger(__name__)


@dataclass
class ToolCallRecord:
    """A tool the reply used: its input, then its output (JSON) once it ran."""

    id: str
    name: str
    input: dict[str, Any]
    output_json: str = ""
    is_error: bool = False


@dataclass(frozen=True)
class ReplyText:
    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    call: ToolCallRecord


@dataclass(frozen=True)
class ToolCallFinished:
    call: ToolCallRecord


@dataclass(frozen=True)
class ReplyCompleted:
    stop_reason: str  # end_turn, max_tokens, tool_limit
    model: str
    input_tokens: int
    output_tokens: int
    tools_used: list[str]


ReplyEvent = ReplyText | ToolCallStarted | ToolCallFinished | ReplyCompleted


@dataclass
class _Draft:
    """The reply as it is being written."""

    model: str
    text: list[str] = field(default_factory=list)
    calls: list[ToolCallRecord] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = "interrupted"
    model_answered: bool = False


@dataclass(frozen=True)
class _Said:
    """The user's message: its id, its text, and whether it is stored already."""

    id: str
    text: str
    stored: bool


@dataclass(frozen=True)
class Reply:
    """A reply that has started: its ids are known, its events come from `events()`."""

    conversation_id: str
    message_id: str
    events: Any  # a zero-argument callable giving AsyncIterator[ReplyEvent]


class Assistant:
    def __init__(
        self,
        *,
        store: ConversationStore,
        proposals: ProposalBook,
        toolbox: Toolbox,
        services: Services,
        model: LanguageModel,
        fallback: LanguageModel,
        quota: ChatQuota,
        settings: AgentSettings,
        clock: Clock,
    ) -> None:
        self._store = store
        self._proposals = proposals
        self._toolbox = toolbox
        self._services = services
        self._model = model
        self._fallback = fallback
        self._quota = quota
        self._settings = settings
        self._clock = clock

    async def start(self, principal: Principal, message: str, conversation_id: str | None) -> Reply:
        """Open (or check the caller owns) the conversation; a new one holds the user's message."""
        user_id = principal.require_user()
        said = _Said(str(uuid.uuid4()), message, stored=conversation_id is None)
        await self._quota.limit_rate(principal)
        if conversation_id:
            conversation = await self._store.owned(conversation_id, user_id)
        else:
            conversation = await self._store.create(user_id, message, said.id)
        message_id = str(uuid.uuid4())

        def events() -> AsyncIterator[ReplyEvent]:
            return self._write(principal, conversation.id, message_id, said)

        return Reply(conversation.id, message_id, events)

    async def _write(
        self, principal: Principal, conversation_id: str, message_id: str, said: _Said
    ) -> AsyncIterator[ReplyEvent]:
        """The reply's events. The user's message of a continued conversation is stored while the
        model is asked (it is off the path to the first chunk); the reply is stored after it."""
        draft = _Draft(model=self._model.name)
        stored: asyncio.Future[Any] | None = None
        if not said.stored:
            stored = asyncio.ensure_future(
                self._store.add_message(conversation_id, "user", said.text, message_id=said.id)
            )
        try:
            async for event in self._loop(principal.subject, conversation_id, said, draft):
                yield event
        except BaseException:
            draft.stop_reason = "interrupted"
            raise
        finally:
            # A task of its own, so a client that leaves (cancelling this one) cannot stop the save.
            await asyncio.shield(
                asyncio.ensure_future(self._save(principal, conversation_id, message_id, draft, stored))
            )

    async def _save(
        self,
        principal: Principal,
        conversation_id: str,
        message_id: str,
        draft: _Draft,
        user_message: asyncio.Future[Any] | None,
    ) -> None:
        # A failed call is given back by the chassis; a served one the model never answered, here.
        if not draft.model_answered and draft.stop_reason != "interrupted":
            await self._quota.refund(principal)
        try:
            if user_message is not None:
                await user_message
            await self._store.add_message(
                conversation_id,
                "assistant",
                "".join(draft.text),
                tool_calls=[asdict(c) for c in draft.calls],
                model=draft.model,
                stop_reason=draft.stop_reason,
                input_tokens=draft.input_tokens,
                output_tokens=draft.output_tokens,
                message_id=message_id,
            )
        except NotFound:
            log.info(
                "conversation deleted while its reply was written", extra={"fields": {"id": conversation_id}}
            )

    async def _loop(
        self, user_id: str, conversation_id: str, said: _Said, draft: _Draft
    ) -> AsyncIterator[ReplyEvent]:
        settings = self._settings
        message = said.text
        stored, pending, profile = await asyncio.gather(
            self._store.messages(conversation_id), self._proposals.pending(conversation_id), self._profile()
        )
        earlier = [m for m in stored if m.id != said.id]
        system = prompt.system_prompt(profile, self._clock.now())
        messages = prompt.history(earlier, settings.history_token_budget)
        messages.append({"role": "user", "content": message})
        if pending is not None and is_confirmation(message):
            async for event in self._execute(pending, messages, draft):
                yield event
        elif pending is not None and is_cancellation(message):
            await self._proposals.cancel(pending.id)
            cancelled = pending.as_dict()
            system += f"\n\nThe user just cancelled the proposed paper trade {cancelled}; nothing was traded."
        model = self._model
        if model.name == self._fallback.name:
            yield self._say(draft, templates.NOTICE + "\n\n")
        rounds = 0
        while True:
            budget = settings.max_output_tokens - draft.output_tokens
            if rounds >= settings.max_rounds or budget <= 0:
                draft.stop_reason = "tool_limit" if rounds >= settings.max_rounds else "max_tokens"
                break
            request = TurnRequest(system, messages, TOOL_SPECS, min(settings.max_tokens_per_turn, budget))
            turn_text: list[str] = []
            uses: list[ToolUse] = []
            end: TurnEnd | None = None
            try:
                async for item in model.stream(request):
                    if isinstance(item, TextDelta):
                        turn_text.append(item.text)
                        yield self._say(draft, item.text)
                    elif isinstance(item, ToolUse):
                        uses.append(item)
                    else:
                        end = item
            except ModelUnavailable as failure:
                if model.name == self._fallback.name:
                    raise
                log.warning(
                    "model unavailable, answering from templates",
                    extra={"fields": {"reason": failure.reason}},
                )
                model = self._fallback
                draft.model = model.name
                yield self._say(draft, ("\n\n" if draft.text else "") + templates.NOTICE + "\n\n")
                continue
            rounds += 1
            if end is None:
                raise ModelUnavailable("the turn ended without a stop reason", "NO_STOP_REASON")
            draft.input_tokens += end.input_tokens
            draft.output_tokens += end.output_tokens
            draft.model_answered = draft.model_answered or model.name != self._fallback.name
            if end.stop_reason != "tool_use" or not uses:
                draft.stop_reason = "max_tokens" if end.stop_reason == "max_tokens" else "end_turn"
                break
            results = []
            for use in uses:
                call = ToolCallRecord(use.id, use.name, dict(use.input))
                draft.calls.append(call)
                yield ToolCallStarted(call)
                outcome = await self._toolbox.run(
                    use.name, call.input, user_id=user_id, conversation_id=conversation_id
                )
                call.output_json, call.is_error = (
                    outcome.as_json(settings.max_tool_output_chars),
                    outcome.is_error,
                )
                yield ToolCallFinished(call)
                results.append(_tool_result(call))
            blocks: list[dict[str, Any]] = (
                [{"type": "text", "text": "".join(turn_text)}] if "".join(turn_text).strip() else []
            )
            blocks += [{"type": "tool_use", "id": u.id, "name": u.name, "input": u.input} for u in uses]
            messages += [{"role": "assistant", "content": blocks}, {"role": "user", "content": results}]
        yield ReplyCompleted(
            draft.stop_reason,
            draft.model,
            draft.input_tokens,
            draft.output_tokens,
            [c.name for c in draft.calls],
        )

    async def _execute(
        self, proposal: Proposal, messages: list[dict[str, Any]], draft: _Draft
    ) -> AsyncIterator[ReplyEvent]:
        """The user confirmed: place exactly the pending proposal, once, and tell the model."""
        if not await self._proposals.claim(proposal.id):
            return
        call = ToolCallRecord(
            f"toolu_confirmed_{proposal.id.replace('-', '')[:20]}", "execute_paper_trade", proposal.as_dict()
        )
        draft.calls.append(call)
        yield ToolCallStarted(call)
        outcome = await self._toolbox.execute_proposal(
            proposal.id, proposal.symbol, proposal.side, proposal.amount
        )
        await self._proposals.settle(proposal.id, not outcome.is_error, outcome.output)
        call.output_json, call.is_error = (
            outcome.as_json(self._settings.max_tool_output_chars),
            outcome.is_error,
        )
        yield ToolCallFinished(call)
        messages += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": call.id, "name": call.name, "input": call.input}],
            },
            {"role": "user", "content": [_tool_result(call)]},
        ]

    async def _profile(self) -> dict[str, Any] | None:
        try:
            return await self._services.profile()
        except Exception:
            log.info("profile unavailable for the prompt")
            return None

    @staticmethod
    def _say(draft: _Draft, text: str) -> ReplyText:
        draft.text.append(text)
        return ReplyText(text)


def _tool_result(call: ToolCallRecord) -> dict[str, Any]:
    return {
        "type": "tool_result",
        "tool_use_id": call.id,
        "content": call.output_json,
        "is_error": call.is_error,
    }
