"""The Broker contract: what every implementation does the same way, run against each venue in
`tests/broker/venues.py` (the paper broker on SQLite and PostgreSQL; MetaAPI on a loopback fake).

Orders (place, modify, cancel, client order ids, rejections), positions (netting, partial and
full closes, SL/TP), account state and execution reports. What only the paper simulator does
(session spreads, slippage, trading hours, stop-out, reset) is tested in the other files here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal as D

import pytest

from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_broker.broker import OrderRequest
from tests.broker.venues import VENUES, Venue, cents


@pytest.fixture(params=VENUES)
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with request.param(request) as built:
        if request.node.originalname in built.not_applicable:
            pytest.skip(f"{built.name}: {built.not_applicable[request.node.originalname]}")
        yield built


def order(venue: Venue, side: str = "buy", amount: D | None = None, **kw: object) -> OrderRequest:
    return OrderRequest(venue.symbol, side, venue.amount if amount is None else amount, **kw)  # type: ignore[arg-type]


async def open_long(venue: Venue, **kw: object):
    placed = await venue.broker.place_order(venue.account, order(venue, **kw))
    [position] = (await venue.broker.positions(venue.account)).items
    return placed, position


# ---- orders


async def test_market_buy_fills_at_the_ask_and_sell_at_the_bid(venue: Venue) -> None:
    bought = await venue.broker.place_order(venue.account, order(venue, "buy"))
    sold = await venue.broker.place_order(venue.other_account, order(venue, "sell"))
    assert (bought.status, bought.fill_price, bought.quantity) == ("filled", venue.ask, venue.amount)
    assert (sold.status, sold.fill_price) == ("filled", venue.bid)
    assert bought.filled_at is not None
    assert (await venue.broker.get_order(venue.account, bought.order_id)) == bought


async def test_lots_count_contract_sizes(venue: Venue) -> None:
    lots = venue.amount / venue.contract_size
    placed = await venue.broker.place_order(venue.account, order(venue, amount=lots, unit="lots"))
    assert (placed.quantity, placed.lots) == (venue.amount, lots)


async def test_limit_order_waits_and_fills_when_the_market_reaches_it(venue: Venue) -> None:
    limit = venue.ask - venue.pips(20)
    placed = await venue.broker.place_order(venue.account, order(venue, type="limit", limit_price=limit))
    assert (placed.status, placed.fill_price) == ("pending", None)
    await venue.shift(-10)
    assert (await venue.broker.get_order(venue.account, placed.order_id)).status == "pending"
    assert (await venue.broker.positions(venue.account)).items == []
    await venue.shift(-15)  # the ask is now 5 pips under the limit
    filled = await venue.broker.get_order(venue.account, placed.order_id)
    assert filled.status == "filled"
    assert filled.fill_price is not None
    assert filled.fill_price <= limit
    [position] = (await venue.broker.positions(venue.account)).items
    assert (position.side, position.quantity, position.entry_price) == (
        "long",
        venue.amount,
        filled.fill_price,
    )


async def test_marketable_limit_fills_at_once_at_the_market(venue: Venue) -> None:
    placed = await venue.broker.place_order(
        venue.account, order(venue, "sell", type="limit", limit_price=venue.bid - venue.pips(50))
    )
    assert (placed.status, placed.fill_price) == ("filled", venue.bid)


async def test_stop_order_triggers_at_the_first_price_past_its_level(venue: Venue) -> None:
    stop = venue.bid - venue.pips(20)
    placed = await venue.broker.place_order(venue.account, order(venue, "sell", type="stop", stop_price=stop))
    assert placed.status == "pending"
    await venue.shift(-50)  # gaps through the stop
    filled = await venue.broker.get_order(venue.account, placed.order_id)
    assert (filled.status, filled.fill_price) == ("filled", venue.bid)


async def test_stop_on_the_wrong_side_of_the_market_is_refused(venue: Venue) -> None:
    with pytest.raises(InvalidArgument) as refused:
        await venue.broker.place_order(
            venue.account, order(venue, "buy", type="stop", stop_price=venue.ask - venue.pips(10))
        )
    assert refused.value.reason == "INVALID_STOP_PRICE"


async def test_ioc_limit_that_cannot_fill_is_cancelled(venue: Venue) -> None:
    placed = await venue.broker.place_order(
        venue.account,
        order(venue, type="limit", limit_price=venue.ask - venue.pips(50), time_in_force="ioc"),
    )
    assert placed.status == "cancelled"
    assert (await venue.broker.positions(venue.account)).items == []


async def test_modified_order_fills_at_its_new_level(venue: Venue) -> None:
    placed = await venue.broker.place_order(
        venue.account, order(venue, type="limit", limit_price=venue.ask - venue.pips(100))
    )
    new_limit, sl = venue.ask - venue.pips(10), venue.bid - venue.pips(60)
    modified = await venue.broker.modify_order(
        venue.account, placed.order_id, limit_price=new_limit, stop_loss=sl
    )
    assert (modified.status, modified.limit_price, modified.stop_loss) == ("pending", new_limit, sl)
    await venue.shift(-12)
    filled = await venue.broker.get_order(venue.account, placed.order_id)
    assert filled.status == "filled"
    [position] = (await venue.broker.positions(venue.account)).items
    assert position.stop_loss == sl  # carried to the position


async def test_cancelled_order_never_fills_and_cannot_be_cancelled_twice(venue: Venue) -> None:
    placed = await venue.broker.place_order(
        venue.account, order(venue, type="limit", limit_price=venue.ask - venue.pips(10))
    )
    cancelled = await venue.broker.cancel_order(venue.account, placed.order_id)
    assert cancelled.status == "cancelled"
    await venue.shift(-50)
    assert (await venue.broker.get_order(venue.account, placed.order_id)).status == "cancelled"
    assert (await venue.broker.positions(venue.account)).items == []
    with pytest.raises(FailedPrecondition) as again:
        await venue.broker.cancel_order(venue.account, placed.order_id)
    assert again.value.reason == "ORDER_NOT_PENDING"
    with pytest.raises(FailedPrecondition):
        await venue.broker.modify_order(venue.account, placed.order_id, limit_price=venue.bid)


async def test_filled_order_cannot_be_cancelled(venue: Venue) -> None:
    placed = await venue.broker.place_order(venue.account, order(venue))
    with pytest.raises(FailedPrecondition) as refused:
        await venue.broker.cancel_order(venue.account, placed.order_id)
    assert refused.value.reason == "ORDER_NOT_PENDING"


# ---- client order ids


async def test_a_retried_client_order_id_places_one_order(venue: Venue) -> None:
    first = await venue.broker.place_order(venue.account, order(venue, client_order_id="retry-1"))
    await venue.shift(5)
    second = await venue.broker.place_order(venue.account, order(venue, client_order_id="retry-1"))
    assert second.order_id == first.order_id
    assert second.fill_price == first.fill_price  # the first order, not a second fill
    assert second.client_order_id == "retry-1"
    assert [o.order_id for o in (await venue.broker.list_orders(venue.account)).items] == [first.order_id]
    [position] = (await venue.broker.positions(venue.account)).items
    assert position.quantity == venue.amount
    assert len((await venue.broker.execution_reports(venue.account)).items) == 1


async def test_client_order_ids_are_per_account(venue: Venue) -> None:
    mine = await venue.broker.place_order(venue.account, order(venue, client_order_id="same"))
    theirs = await venue.broker.place_order(venue.other_account, order(venue, client_order_id="same"))
    assert mine.order_id != theirs.order_id
    assert len((await venue.broker.positions(venue.other_account)).items) == 1


async def test_a_retry_of_a_pending_order_returns_it_unchanged(venue: Venue) -> None:
    request = order(venue, type="limit", limit_price=venue.ask - venue.pips(30), client_order_id="p-1")
    first = await venue.broker.place_order(venue.account, request)
    again = await venue.broker.place_order(venue.account, replace(request, limit_price=venue.ask))
    assert (again.order_id, again.status, again.limit_price) == (first.order_id, "pending", first.limit_price)


# ---- rejections


REJECTIONS = [
    ("unknown symbol", lambda v: OrderRequest("NOPE", "buy", v.amount), InvalidArgument, "UNKNOWN_SYMBOL"),
    ("too small", lambda v: order(v, amount=v.too_small), InvalidArgument, "AMOUNT_OUT_OF_RANGE"),
    (
        "buy SL above",
        lambda v: order(v, "buy", stop_loss=v.ask + v.pips(10)),
        InvalidArgument,
        "INVALID_STOP_LOSS",
    ),
    (
        "buy TP below",
        lambda v: order(v, "buy", take_profit=v.bid - v.pips(10)),
        InvalidArgument,
        "INVALID_TAKE_PROFIT",
    ),
    (
        "sell SL below",
        lambda v: order(v, "sell", stop_loss=v.bid - v.pips(10)),
        InvalidArgument,
        "INVALID_STOP_LOSS",
    ),
    (
        "sell TP above",
        lambda v: order(v, "sell", take_profit=v.ask + v.pips(10)),
        InvalidArgument,
        "INVALID_TAKE_PROFIT",
    ),
    ("limit without price", lambda v: order(v, type="limit"), InvalidArgument, "MISSING_LIMIT_PRICE"),
    ("stop without price", lambda v: order(v, type="stop"), InvalidArgument, "MISSING_STOP_PRICE"),
    (
        "beyond margin",
        lambda v: order(v, amount=v.beyond_margin),
        FailedPrecondition,
        "INSUFFICIENT_MARGIN",
    ),
    (
        "pending beyond margin",
        lambda v: order(v, amount=v.beyond_margin, type="limit", limit_price=v.ask - v.pips(20)),
        FailedPrecondition,
        "INSUFFICIENT_MARGIN",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "reason"), [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS]
)
async def test_a_rejected_order_says_why_and_changes_nothing(venue: Venue, make, error, reason) -> None:
    before = await venue.broker.account_state(venue.account)
    with pytest.raises(error) as refused:
        await venue.broker.place_order(venue.account, make(venue))
    assert refused.value.reason == reason
    after = await venue.broker.account_state(venue.account)
    assert (after.balance_minor, after.margin_minor, after.equity_minor) == (
        before.balance_minor,
        before.margin_minor,
        before.equity_minor,
    )
    assert (await venue.broker.list_orders(venue.account)).items == []
    assert (await venue.broker.positions(venue.account)).items == []
    assert (await venue.broker.execution_reports(venue.account)).items == []


async def test_a_rejected_client_order_id_can_be_used_again(venue: Venue) -> None:
    with pytest.raises(FailedPrecondition):
        await venue.broker.place_order(
            venue.account, order(venue, amount=venue.beyond_margin, client_order_id="again")
        )
    placed = await venue.broker.place_order(venue.account, order(venue, client_order_id="again"))
    assert placed.status == "filled"


# ---- positions, PnL and account state


async def test_a_fill_opens_a_position_marked_at_the_bid_and_holds_margin(venue: Venue) -> None:
    before = await venue.broker.account_state(venue.account)
    placed, position = await open_long(venue)
    assert (position.symbol, position.side, position.quantity) == (venue.symbol, "long", venue.amount)
    assert (position.entry_price, position.current_price) == (placed.fill_price, venue.bid)
    assert position.unrealized_pnl_minor == cents((venue.bid - venue.ask) * venue.amount)  # down the spread
    assert position.status == "open"
    account = await venue.broker.account_state(venue.account)
    assert account.balance_minor == before.balance_minor
    assert account.equity_minor == account.balance_minor + position.unrealized_pnl_minor
    assert account.margin_minor == position.margin_minor > 0
    assert account.free_margin_minor == account.equity_minor - account.margin_minor


async def test_orders_in_one_symbol_net_into_one_position(venue: Venue) -> None:
    await venue.broker.place_order(venue.account, order(venue, "buy"))
    await venue.broker.place_order(venue.account, order(venue, "buy"))
    [position] = (await venue.broker.positions(venue.account)).items
    assert (position.side, position.quantity) == ("long", 2 * venue.amount)
    await venue.broker.place_order(venue.account, order(venue, "sell", amount=3 * venue.amount))
    [short] = (await venue.broker.positions(venue.account)).items
    assert (short.side, short.quantity, short.entry_price) == ("short", venue.amount, venue.bid)
    assert [p.position_id for p in (await venue.broker.positions(venue.account, status="closed")).items] == [
        position.position_id
    ]


async def test_partial_then_full_close_books_the_pnl(venue: Venue) -> None:
    before = await venue.broker.account_state(venue.account)
    placed, position = await open_long(venue, amount=4 * venue.amount)
    await venue.shift(50)
    moved = await venue.broker.get_position(venue.account, position.position_id)
    assert moved.unrealized_pnl_minor == cents((venue.bid - placed.fill_price) * 4 * venue.amount)
    part = await venue.broker.close_position(venue.account, position.position_id, venue.amount)
    share = cents((venue.bid - placed.fill_price) * venue.amount)
    assert (part.trade.side, part.trade.quantity, part.trade.price) == ("sell", venue.amount, venue.bid)
    assert (part.trade.realized_pnl_minor, part.trade.reason) == (share, "close")
    assert (part.position.status, part.position.quantity, part.position.entry_price) == (
        "open",
        3 * venue.amount,
        placed.fill_price,
    )
    rest = await venue.broker.close_position(venue.account, position.position_id)
    assert rest.position.status == "closed"
    assert rest.position.closed_at is not None
    assert rest.position.realized_pnl_minor == share + rest.trade.realized_pnl_minor
    account = await venue.broker.account_state(venue.account)
    assert account.balance_minor == before.balance_minor + rest.position.realized_pnl_minor
    assert (account.margin_minor, account.equity_minor) == (0, account.balance_minor)
    assert (await venue.broker.positions(venue.account)).items == []
    with pytest.raises(FailedPrecondition):
        await venue.broker.close_position(venue.account, position.position_id)


async def test_closing_more_than_the_position_is_refused(venue: Venue) -> None:
    _, position = await open_long(venue)
    with pytest.raises(InvalidArgument):
        await venue.broker.close_position(venue.account, position.position_id, 2 * venue.amount)
    assert (await venue.broker.get_position(venue.account, position.position_id)).quantity == venue.amount


async def test_sl_and_tp_are_set_checked_and_removed_on_a_position(venue: Venue) -> None:
    _, position = await open_long(venue)
    sl, tp = venue.bid - venue.pips(30), venue.bid + venue.pips(30)
    changed = await venue.broker.modify_position(
        venue.account, position.position_id, stop_loss=sl, take_profit=tp
    )
    assert (changed.stop_loss, changed.take_profit) == (sl, tp)
    with pytest.raises(InvalidArgument) as wrong_side:
        await venue.broker.modify_position(
            venue.account, position.position_id, stop_loss=venue.bid + venue.pips(5)
        )
    assert wrong_side.value.reason == "INVALID_STOP_LOSS"
    removed = await venue.broker.modify_position(venue.account, position.position_id, stop_loss=None)
    assert (removed.stop_loss, removed.take_profit) == (None, tp)


async def test_stop_loss_closes_the_position_once_when_the_price_crosses(venue: Venue) -> None:
    placed, position = await open_long(venue, stop_loss=venue.bid - venue.pips(20))
    await venue.shift(-15)
    assert len((await venue.broker.positions(venue.account)).items) == 1
    await venue.shift(-10)  # the bid is 5 pips under the SL
    await venue.shift(-1)
    closed = await venue.broker.get_position(venue.account, position.position_id)
    assert closed.status == "closed"
    [close] = [t for t in (await venue.broker.execution_reports(venue.account)).items if t.reason != "order"]
    assert (close.reason, close.side, close.price) == ("stop_loss", "sell", venue.bid + venue.pip)
    assert close.realized_pnl_minor == cents((close.price - placed.fill_price) * venue.amount)
    assert closed.realized_pnl_minor == close.realized_pnl_minor


async def test_take_profit_closes_a_short_at_the_ask(venue: Venue) -> None:
    placed = await venue.broker.place_order(
        venue.account, order(venue, "sell", take_profit=venue.ask - venue.pips(20))
    )
    await venue.shift(-19)
    assert len((await venue.broker.positions(venue.account)).items) == 1
    await venue.shift(-2)
    assert (await venue.broker.positions(venue.account)).items == []
    [close] = [t for t in (await venue.broker.execution_reports(venue.account)).items if t.reason != "order"]
    assert (close.reason, close.side, close.price) == ("take_profit", "buy", venue.ask)
    assert close.realized_pnl_minor == cents((placed.fill_price - venue.ask) * venue.amount) > 0


async def test_a_new_account_has_its_initial_balance_and_nothing_open(venue: Venue) -> None:
    account = await venue.broker.account_state(venue.account)
    assert account.balance_minor == account.equity_minor == account.free_margin_minor > 0
    assert (account.margin_minor, account.margin_level_percent, account.margin_call) == (0, None, False)
    assert account.currency


# ---- execution reports and history


async def test_every_fill_has_an_execution_report(venue: Venue) -> None:
    placed, position = await open_long(venue)
    await venue.shift(10)
    closed = await venue.broker.close_position(venue.account, position.position_id)
    opening, closing = reversed((await venue.broker.execution_reports(venue.account)).items)
    assert (opening.order_id, opening.position_id, opening.symbol) == (
        placed.order_id,
        position.position_id,
        venue.symbol,
    )
    assert (opening.side, opening.quantity, opening.price, opening.reason) == (
        "buy",
        venue.amount,
        placed.fill_price,
        "order",
    )
    assert opening.realized_pnl_minor == 0
    assert closing == closed.trade
    assert (closing.position_id, closing.side, closing.reason) == (position.position_id, "sell", "close")
    assert closing.currency == (await venue.broker.account_state(venue.account)).currency
    assert (await venue.broker.execution_reports(venue.account, symbol="NOPE")).items == []


async def test_history_pages_newest_first_without_repeats(venue: Venue) -> None:
    ids = [(await venue.broker.place_order(venue.account, order(venue))).order_id for _ in range(5)]
    first = await venue.broker.list_orders(venue.account, page_size=2)
    second = await venue.broker.list_orders(venue.account, page_size=2, page_token=first.next_token)
    third = await venue.broker.list_orders(venue.account, page_size=2, page_token=second.next_token)
    assert [o.order_id for page in (first, second, third) for o in page.items] == list(reversed(ids))
    assert third.next_token == ""
    trades = await venue.broker.execution_reports(venue.account, page_size=3)
    rest = await venue.broker.execution_reports(venue.account, page_size=3, page_token=trades.next_token)
    assert [t.order_id for t in trades.items + rest.items] == list(reversed(ids))
    assert rest.next_token == ""
    pending = await venue.broker.list_orders(venue.account, status="pending")
    assert pending.items == []


# ---- accounts are separate


async def test_another_accounts_orders_and_positions_are_not_found(venue: Venue) -> None:
    placed, position = await open_long(venue)
    pending = await venue.broker.place_order(
        venue.account, order(venue, type="limit", limit_price=venue.ask - venue.pips(50))
    )
    stranger = venue.other_account
    with pytest.raises(NotFound):
        await venue.broker.get_order(stranger, placed.order_id)
    with pytest.raises(NotFound):
        await venue.broker.cancel_order(stranger, pending.order_id)
    with pytest.raises(NotFound):
        await venue.broker.get_position(stranger, position.position_id)
    with pytest.raises(NotFound):
        await venue.broker.close_position(stranger, position.position_id)
    with pytest.raises(NotFound):
        await venue.broker.modify_position(stranger, position.position_id, stop_loss=None)
    assert (await venue.broker.list_orders(stranger)).items == []
    assert (await venue.broker.get_order(venue.account, pending.order_id)).status == "pending"


async def test_unknown_ids_are_not_found(venue: Venue) -> None:
    await open_long(venue)
    for unknown in ("999999", "not-an-id"):
        with pytest.raises(NotFound):
            await venue.broker.get_order(venue.account, unknown)
        with pytest.raises(NotFound):
            await venue.broker.get_position(venue.account, unknown)
