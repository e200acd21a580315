"""The execution log kept in step with the venue: deals the venue reports (its webhook or its deal
history) are applied once each, whichever source sees them first.

An opening deal is one execution row per (venue, broker account, ticket); a closing deal writes
the PnL on the execution of its position. Both stage the owner's event with the change, so the
owner hears of a fill the agent did not see (a stop loss, a fill the webhook missed) exactly once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from trading.common.v1.money_pb2 import Money
from trading.events.v1 import events_payloads_pb2 as ev

from core import metrics, outbox
from core.bus import Bus
from core.clock import Clock
from core.db import Database, decimal_str
from core.events import new_event, user_positions_channel, user_trades_channel
from svc_broker.broker import Broker, ExecutionReport
from svc_broker.investment.accounts import ACTIVE, PAUSED
from svc_broker.investment.models import OUTBOX, Execution, InvestmentAccountRow

log = logging.getLogger("svc_broker.investment.reconcile")
WEBHOOK_STREAM, WEBHOOK_GROUP = "broker:webhook", "investment"
PRODUCER = "broker"
_CLOSE = {
    "stop_loss": ev.POSITION_CLOSE_REASON_STOP_LOSS,
    "take_profit": ev.POSITION_CLOSE_REASON_TAKE_PROFIT,
    "stop_out": ev.POSITION_CLOSE_REASON_MARGIN_CALL,
}


@dataclass(frozen=True)
class Deal:
    ticket: str  # the venue's order id (MetaAPI's orderId)
    position_id: str
    symbol: str
    side: str  # buy, sell
    volume: Decimal
    price: Decimal
    executed_at: datetime
    closing: bool
    pnl_minor: int = 0
    reason: str = "order"


def deal_of_report(report: ExecutionReport) -> Deal:
    return Deal(
        ticket=report.order_id or report.trade_id,
        position_id=report.position_id,
        symbol=report.symbol,
        side=report.side,
        volume=report.quantity,
        price=report.price,
        executed_at=report.executed_at,
        closing=report.reason != "order",
        pnl_minor=report.realized_pnl_minor,
        reason=report.reason,
    )


def deal_of_webhook(body: dict) -> tuple[str, Deal]:
    """A MetaAPI-style `trade_executed` / `position_closed` body: (accountId, the deal)."""
    deal = body["deal"]
    closing = body["type"] == "position_closed"
    return str(body["accountId"]), Deal(
        ticket=str(deal.get("orderId") or deal["id"]),
        position_id=str(deal.get("positionId", "")),
        symbol=str(deal["symbol"]),
        side="buy" if deal["type"] == "DEAL_TYPE_BUY" else "sell",
        volume=Decimal(str(deal["volume"])),
        price=Decimal(str(deal["price"])),
        executed_at=datetime.fromisoformat(str(deal["time"]).replace("Z", "+00:00")).astimezone(UTC),
        closing=closing,
        pnl_minor=int((Decimal(str(deal.get("profit", 0))) * 100).to_integral_value()),
        reason=str(deal.get("reason", "close")) if closing else "order",
    )


class Reconciler:
    def __init__(
        self, db: Database, clock: Clock, venue: Broker, *, venue_kind: int = ev.TRADE_VENUE_PAPER
    ) -> None:
        self.db, self.clock, self.venue, self.venue_kind = db, clock, venue, venue_kind

    async def apply(self, venue_account: str, deal: Deal, source: str) -> bool:
        """Apply one deal; False when it was already applied (or the account is not ours)."""
        async with self.db.session() as s:
            row = await s.scalar(
                select(InvestmentAccountRow).where(InvestmentAccountRow.venue_account == venue_account)
            )
        if row is None:
            return False
        if deal.closing:
            return await self._close(row, deal)
        try:
            async with self.db.transaction() as s:
                existing = await s.scalar(
                    select(Execution).where(
                        Execution.venue == row.venue,
                        Execution.broker_account == venue_account,
                        Execution.ticket == deal.ticket,
                    )
                )
                if existing is not None:
                    if not existing.position_id and deal.position_id:
                        existing.position_id = deal.position_id
                    return False
                s.add(
                    Execution(
                        account_id=row.id,
                        venue=row.venue,
                        broker_account=venue_account,
                        ticket=deal.ticket,
                        position_id=deal.position_id or None,
                        symbol=deal.symbol,
                        side=deal.side,
                        volume=deal.volume,
                        filled_price=deal.price,
                        source=source,
                        executed_at=deal.executed_at,
                    )
                )
                await self._stage_fill(s, row, deal)
        except IntegrityError:  # the agent or the other source logged it meanwhile
            return False
        return True

    async def _close(self, row: InvestmentAccountRow, deal: Deal) -> bool:
        async with self.db.transaction() as s:
            closed = await s.execute(
                update(Execution)
                .where(
                    Execution.account_id == row.id,
                    Execution.position_id == deal.position_id,
                    Execution.closed_at.is_(None),
                )
                .values(pnl_minor=deal.pnl_minor, closed_at=deal.executed_at)
            )
            if closed.rowcount == 0:  # type: ignore[attr-defined]
                return False
            await self._stage_close(s, row, deal)
        return True

    async def reconcile(self, row: InvestmentAccountRow) -> int:
        """Apply the venue's deal history of one account, oldest first; returns what was new."""
        assert row.venue_account is not None
        reports: list[ExecutionReport] = []
        token = ""
        while True:
            page = await self.venue.execution_reports(row.venue_account, page_size=500, page_token=token)
            reports += page.items
            token = page.next_token
            if not token:
                break
        applied = 0
        for report in sorted(reports, key=lambda r: (r.executed_at, r.trade_id)):
            applied += await self.apply(row.venue_account, deal_of_report(report), "reconcile")
        return applied

    async def reconcile_all(self) -> int:
        async with self.db.session() as s:
            rows = list(
                await s.scalars(
                    select(InvestmentAccountRow).where(
                        InvestmentAccountRow.status.in_([ACTIVE, PAUSED]),
                        InvestmentAccountRow.venue_account.is_not(None),
                    )
                )
            )
        return sum([await self.reconcile(r) for r in rows])

    async def run(self, every_s: float = 180.0) -> None:
        """On start and every few minutes of the injected clock."""
        while True:
            try:
                await self.reconcile_all()
            except Exception:
                log.exception("reconciliation failed")
            await self.clock.sleep(every_s)

    async def consume_webhooks(self, bus: Bus, consumer: str = "broker") -> None:
        """Verified webhook bodies the edge appended to the stream, each applied once then acked."""
        async for delivery in bus.consume(WEBHOOK_STREAM, WEBHOOK_GROUP, consumer, claim_idle_s=60):
            try:
                account, deal = deal_of_webhook(json.loads(delivery.data))
                if await self.apply(account, deal, "webhook"):
                    metrics.webhook_applied("metaapi", deal.executed_at, self.clock.now())
            except (KeyError, ValueError, TypeError):
                log.warning("unreadable broker webhook dropped", extra={"fields": {"entry": delivery.id}})
            await delivery.ack()

    async def _stage_fill(self, s: AsyncSession, row: InvestmentAccountRow, deal: Deal) -> None:
        payload = ev.TradeExecuted(
            trade_id=deal.ticket,
            order_id=deal.ticket,
            user_id=row.user_id,
            symbol=deal.symbol,
            side=ev.TRADE_SIDE_BUY if deal.side == "buy" else ev.TRADE_SIDE_SELL,
            price=decimal_str(deal.price),
            quantity=decimal_str(deal.volume),
            status=ev.TRADE_STATUS_FILLED,
            venue=self.venue_kind,  # type: ignore[arg-type]
            account_id=row.id,
            position_id=deal.position_id,
        )
        payload.executed_at.FromDatetime(deal.executed_at)
        await self._stage(s, "trade_executed", user_trades_channel(row.user_id), payload)

    async def _stage_close(self, s: AsyncSession, row: InvestmentAccountRow, deal: Deal) -> None:
        payload = ev.PositionClosed(
            position_id=deal.position_id,
            user_id=row.user_id,
            symbol=deal.symbol,
            exit_price=decimal_str(deal.price),
            quantity=decimal_str(deal.volume),
            pnl=Money(currency=row.currency, minor_units=deal.pnl_minor),
            reason=_CLOSE.get(deal.reason, ev.POSITION_CLOSE_REASON_MANUAL),
            venue=self.venue_kind,  # type: ignore[arg-type]
            account_id=row.id,
        )
        payload.closed_at.FromDatetime(deal.executed_at)
        await self._stage(s, "position_closed", user_positions_channel(row.user_id), payload)

    async def _stage(self, s: AsyncSession, kind: str, channel: str, payload: object) -> None:
        event = new_event(kind, channel, payload, PRODUCER, self.clock)  # type: ignore[arg-type]
        await outbox.stage(s, channel, event.SerializeToString(), table=OUTBOX, clock=self.clock)
