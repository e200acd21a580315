"""Per-user resources: what one user creates, another user can neither read, change nor delete.

Watchlists (market) and the paper-trading account with its orders and positions (broker) are
scoped to the caller's `sub`: another user's id answers NOT_FOUND (or PERMISSION_DENIED) and
changes nothing. Staff read users through AuthService (support and admin);
no service hands out another user's watchlists or trades, not even to an admin.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
from trading.auth.v1 import auth_messages_pb2 as auth
from trading.broker.v1 import broker_messages_pb2 as br
from trading.events.v1.events_envelope_pb2 import Event
from trading.market.v1 import market_messages_pb2 as mk

from tests.rbac.conftest import Outcome, Platform

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKET = "/trading.market.v1.MarketService/"
PAPER = "/trading.broker.v1.PaperTradingService/"
AUTH = "/trading.auth.v1.AuthService/"
HIDDEN = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)


def ok(outcome: Outcome) -> Any:
    assert outcome.code == grpc.StatusCode.OK, outcome
    return outcome.reply


async def test_a_watchlist_is_its_owners_alone(platform: Platform) -> None:
    created = ok(
        await platform.call(
            MARKET + "CreateWatchlist",
            mk.CreateWatchlistRequest(name="majors", symbols=["EURUSD"]),
            caller="owner",
        )
    )
    wid = created.watchlist.watchlist_id
    attempts = {
        "GetWatchlist": mk.GetWatchlistRequest(watchlist_id=wid),
        "UpdateWatchlist": mk.UpdateWatchlistRequest(watchlist_id=wid, name="mine now"),
        "AddWatchlistSymbol": mk.AddWatchlistSymbolRequest(watchlist_id=wid, symbol="GBPUSD"),
        "RemoveWatchlistSymbol": mk.RemoveWatchlistSymbolRequest(watchlist_id=wid, symbol="EURUSD"),
        "DeleteWatchlist": mk.DeleteWatchlistRequest(watchlist_id=wid),
    }
    for caller in ("other", "admin"):
        for name, request in attempts.items():
            outcome = await platform.call(MARKET + name, request, caller=caller)
            assert outcome.code in HIDDEN, (caller, name, outcome)
        listed = ok(await platform.call(MARKET + "ListWatchlists", mk.ListWatchlistsRequest(), caller=caller))
        assert wid not in {w.watchlist_id for w in listed.watchlists}

    mine = ok(
        await platform.call(MARKET + "GetWatchlist", mk.GetWatchlistRequest(watchlist_id=wid), caller="owner")
    )
    assert (mine.watchlist.name, [i.symbol for i in mine.watchlist.items]) == ("majors", ["EURUSD"])
    listed = ok(await platform.call(MARKET + "ListWatchlists", mk.ListWatchlistsRequest(), caller="owner"))
    assert [w.watchlist_id for w in listed.watchlists] == [wid]
    ok(
        await platform.call(
            MARKET + "DeleteWatchlist", mk.DeleteWatchlistRequest(watchlist_id=wid), caller="owner"
        )
    )


async def _market_buy(platform: Platform, caller: str) -> br.Order:
    """A filled market order: quotes come from the bus, so publish one until the broker has it."""
    tick = Event()
    tick.price_update.symbol = "EURUSD"
    tick.price_update.bid, tick.price_update.ask = 1.1000, 1.1002
    request = br.CreateOrderRequest(
        symbol="EURUSD",
        side=br.ORDER_SIDE_BUY,
        amount="1000",
        type=br.ORDER_TYPE_MARKET,
        client_order_id=f"{caller}-buy",
    )
    outcome = Outcome(grpc.StatusCode.UNKNOWN)
    for _ in range(100):
        tick.price_update.timestamp.FromDatetime(datetime.now(UTC))
        await platform.ctx.bus.publish("ticker:EURUSD", tick.SerializeToString())
        outcome = await platform.call(PAPER + "CreateOrder", request, caller=caller)
        if outcome.code == grpc.StatusCode.OK:
            return outcome.reply.order
        await asyncio.sleep(0.05)
    raise AssertionError(f"the broker never took the order: {outcome}")


async def test_paper_orders_positions_and_account_are_their_owners_alone(platform: Platform) -> None:
    await _market_buy(platform, "owner")
    positions = ok(await platform.call(PAPER + "ListPositions", br.ListPositionsRequest(), caller="owner"))
    [position] = positions.positions
    pending = ok(
        await platform.call(
            PAPER + "CreateOrder",
            br.CreateOrderRequest(
                symbol="EURUSD",
                side=br.ORDER_SIDE_BUY,
                amount="1000",
                type=br.ORDER_TYPE_LIMIT,
                limit_price="1.0",
            ),
            caller="owner",
        )
    ).order
    oid, pid = pending.order_id, position.position_id
    attempts = {
        "GetOrder": br.GetOrderRequest(order_id=oid),
        "ModifyOrder": br.ModifyOrderRequest(order_id=oid, limit_price="1.01"),
        "CancelOrder": br.CancelOrderRequest(order_id=oid),
        "GetPosition": br.GetPositionRequest(position_id=pid),
        "ModifyPosition": br.ModifyPositionRequest(position_id=pid, stop_loss="1.05"),
        "ClosePosition": br.ClosePositionRequest(position_id=pid),
    }
    for caller in ("other", "admin"):
        for name, request in attempts.items():
            outcome = await platform.call(PAPER + name, request, caller=caller)
            assert outcome.code in HIDDEN, (caller, name, outcome)
        orders = ok(await platform.call(PAPER + "ListOrders", br.ListOrdersRequest(), caller=caller))
        assert not {o.order_id for o in orders.orders} & {oid}
        theirs = ok(await platform.call(PAPER + "ListPositions", br.ListPositionsRequest(), caller=caller))
        assert pid not in {p.position_id for p in theirs.positions}
        ok(await platform.call(PAPER + "ResetAccount", br.ResetAccountRequest(), caller=caller))  # their own

    # Nothing the others did touched the owner's order, position or account.
    order = ok(
        await platform.call(PAPER + "GetOrder", br.GetOrderRequest(order_id=oid), caller="owner")
    ).order
    assert (order.status, order.limit_price) == (pending.status, pending.limit_price)
    still = ok(
        await platform.call(PAPER + "GetPosition", br.GetPositionRequest(position_id=pid), caller="owner")
    )
    assert (still.position.quantity, still.position.stop_loss) == (position.quantity, position.stop_loss)
    account = ok(await platform.call(PAPER + "GetAccount", br.GetAccountRequest(), caller="owner")).account
    other = ok(await platform.call(PAPER + "GetAccount", br.GetAccountRequest(), caller="other")).account
    assert account != other
    assert (
        len(
            ok(
                await platform.call(PAPER + "ListPositions", br.ListPositionsRequest(), caller="other")
            ).positions
        )
        == 0
    )
    ok(await platform.call(PAPER + "CancelOrder", br.CancelOrderRequest(order_id=oid), caller="owner"))


async def test_a_profile_is_read_by_its_owner_and_by_staff(platform: Platform) -> None:
    registered = ok(
        await platform.call(
            AUTH + "Register",
            auth.RegisterRequest(
                email="owner.profile@example.com",
                password="a long passphrase 1",
                first_name="Ana",
                last_name="Ruiz",
            ),
            caller="anonymous",
        )
    )
    own_token = registered.tokens.access_token
    platform.tokens["registered"] = own_token
    me = ok(await platform.call(AUTH + "GetMe", auth.GetMeRequest(), caller="registered"))
    assert me.user.id == registered.user.id
    # Another user's GetMe is theirs, never the owner's; UpdateMe has no user id to aim with.
    theirs = await platform.call(AUTH + "GetMe", auth.GetMeRequest(), caller="other")
    assert theirs.code != grpc.StatusCode.OK or theirs.reply.user.id != registered.user.id
    staff = {"support": ["support"], "admin": ["admin"]}
    for name, roles in staff.items():
        platform.tokens[name] = platform.ctx.keys.sign_access_token({"sub": f"staff-{name}", "roles": roles})
        listed = ok(await platform.call(AUTH + "ListUsers", auth.ListUsersRequest(), caller=name))
        assert registered.user.id in {u.id for u in listed.users}
    denied = await platform.call(AUTH + "ListUsers", auth.ListUsersRequest(), caller="owner")
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
