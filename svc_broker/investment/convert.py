"""Investment domain values to and from the InvestmentService messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from trading.broker.v1 import investment_messages_pb2 as pb
from trading.common.v1.money_pb2 import Money
from trading.common.v1.paging_pb2 import PageRequest, PageResponse

from core.convert import timestamp
from core.db import decimal_str
from svc_broker.investment.accounts import AccountState, TransferView
from svc_broker.investment.kyc import KycView
from svc_broker.investment.models import AgentDecision, Snapshot
from svc_broker.investment.products import Product

T = TypeVar("T")
DEFAULT_PAGE, MAX_PAGE = 100, 1000

RISK = {
    "conservative": pb.RISK_PROFILE_CONSERVATIVE,
    "moderate": pb.RISK_PROFILE_MODERATE,
    "aggressive": pb.RISK_PROFILE_AGGRESSIVE,
}
ACCOUNT_STATUS = {
    "pending_deposit": pb.INVESTMENT_ACCOUNT_STATUS_PENDING_DEPOSIT,
    "active": pb.INVESTMENT_ACCOUNT_STATUS_ACTIVE,
    "paused": pb.INVESTMENT_ACCOUNT_STATUS_PAUSED,
    "closed": pb.INVESTMENT_ACCOUNT_STATUS_CLOSED,
    "failed": pb.INVESTMENT_ACCOUNT_STATUS_CLOSED,
}
TRANSFER_STATUS = {
    "pending": pb.TRANSFER_STATUS_PENDING,
    "completed": pb.TRANSFER_STATUS_COMPLETED,
    "failed": pb.TRANSFER_STATUS_FAILED,
}


def product_out(p: Product, currency: str, record: tuple[Decimal, int]) -> pb.InvestmentProduct:
    symbols = ", ".join(p.symbols)
    return pb.InvestmentProduct(
        symbols=list(p.symbols),
        risk_per_trade_percent=decimal_str(p.risk_per_trade_percent),
        max_drawdown_percent=decimal_str(p.max_drawdown_percent),
        max_open_positions=p.max_open_positions,
        track_record_return_percent=decimal_str(record[0]),
        track_record_accounts=record[1],
        product_id=p.product_id,
        name=p.name,
        description=(
            f"{p.description} Symbols: {symbols}. Risk per trade {p.risk_per_trade_percent}%, "
            f"maximum drawdown {p.max_drawdown_percent}%, at most {p.max_open_positions} open positions."
        ),
        risk_profile=RISK[p.risk_profile],
        minimum_investment=Money(currency=currency, minor_units=p.min_deposit_minor),
        management_fee_percent=decimal_str(p.management_fee_percent),
        performance_fee_percent=decimal_str(p.performance_fee_percent),
    )


def account_out(a: AccountState) -> pb.InvestmentAccount:
    row = a.row
    return pb.InvestmentAccount(
        account_id=row.id,
        product_id=row.product_id,
        status=ACCOUNT_STATUS[row.status],
        initial_balance=Money(currency=row.currency, minor_units=row.initial_minor),
        balance=Money(currency=row.currency, minor_units=a.balance_minor),
        equity=Money(currency=row.currency, minor_units=a.equity_minor),
        create_time=timestamp(row.created_at),
    )


def transfer_out(t: TransferView) -> pb.InvestmentTransfer:
    return pb.InvestmentTransfer(
        transfer_id=t.transfer_id,
        account_id=t.account_id,
        amount=Money(currency=t.currency, minor_units=t.amount_minor),
        status=TRANSFER_STATUS[t.status],
        create_time=timestamp(t.created_at),
    )


def snapshot_out(s: Snapshot, currency: str) -> pb.PerformanceSnapshot:
    return pb.PerformanceSnapshot(
        snapshot_time=timestamp(s.taken_at),
        balance=Money(currency=currency, minor_units=s.balance_minor),
        equity=Money(currency=currency, minor_units=s.equity_minor),
        return_percent=decimal_str(s.return_percent),
        drawdown_percent=decimal_str(s.drawdown_percent),
    )


KYC_STATUS = {
    "none": pb.KYC_STATUS_NONE,
    "pending": pb.KYC_STATUS_PENDING,
    "approved": pb.KYC_STATUS_APPROVED,
    "rejected": pb.KYC_STATUS_REJECTED,
}


def kyc_status(view: KycView) -> pb.KycStatus:
    return KYC_STATUS[view.status]


def kyc_detail_out(view: KycView) -> pb.GetKycStatusResponse:
    out = pb.GetKycStatusResponse(status=KYC_STATUS[view.status], reason=view.reason or "")
    if view.submitted_at is not None:
        out.submitted_at.CopyFrom(timestamp(view.submitted_at))
    if view.reviewed_at is not None:
        out.reviewed_at.CopyFrom(timestamp(view.reviewed_at))
    return out


def decision_out(d: AgentDecision) -> pb.AgentDecision:
    return pb.AgentDecision(
        signal_id=d.signal_id,
        symbol=d.symbol,
        decision=d.decision,
        reason=d.reason,
        quantity=decimal_str(d.quantity) if d.quantity is not None else "",
        decide_time=timestamp(d.at),
    )


def offset_page(page: PageRequest) -> tuple[int, int]:
    """(size, offset) of an offset-paged list; the page token is the offset of its first item."""
    size = min(page.page_size or DEFAULT_PAGE, MAX_PAGE)
    return size, int(page.page_token) if page.page_token.isdigit() else 0


def page_of(items: Sequence[T], size: int, offset: int) -> tuple[Sequence[T], PageResponse]:
    """The first `size` of `items` (read with one more, to know whether a next page exists)."""
    more = len(items) > size
    return items[:size], PageResponse(next_page_token=str(offset + size) if more else "")


def time_range_in(request: pb.GetInvestmentPerformanceRequest) -> tuple[datetime | None, datetime | None]:
    start = getattr(request, "from").ToDatetime(tzinfo=UTC) if request.HasField("from") else None
    end = request.to.ToDatetime(tzinfo=UTC) if request.HasField("to") else None
    return start, end
