"""Every RPC declares who may call it, and the quotas of seed 7.2 are on the seed's routes."""

from __future__ import annotations

from trading.common.v1 import access_pb2

from tests.contracts.descriptors import Rpc

KNOWN_QUOTAS = {"", "ml", "agent_chat", "paper", "payments"}

# Seed 7.2: the route prefixes each quota covers.
QUOTA_OF_PREFIX = {
    "/ml/": "ml",
    "/agent/chat": "agent_chat",
    "/trading/paper/": "paper",
    "/payments/": "payments",
}


def test_every_rpc_declares_an_audience(rpcs: list[Rpc]) -> None:
    assert rpcs, "no RPCs found in gen/descriptor.binpb: run make generate"
    without = [
        rpc.full_name
        for rpc in rpcs
        if not rpc.has_access or rpc.access.audience == access_pb2.AUDIENCE_UNSPECIFIED
    ]
    assert not without, "RPCs without (trading.common.v1.access).audience:\n" + "\n".join(without)


def test_every_quota_named_is_a_quota_of_the_chassis(rpcs: list[Rpc]) -> None:
    unknown = [
        f"{rpc.full_name}: {rpc.access.quota!r}" for rpc in rpcs if rpc.access.quota not in KNOWN_QUOTAS
    ]
    assert not unknown, "\n".join(unknown)


def test_user_routes_of_seed_7_2_count_against_their_quota(rpcs: list[Rpc]) -> None:
    # Public routes are exempt: behind the gateway every anonymous caller shares one peer address,
    # so a per-caller quota would become one global limit (e.g. the pricing page of /payments/plans).
    wrong = []
    for rpc in rpcs:
        if rpc.access.audience == access_pb2.AUDIENCE_PUBLIC:
            continue
        for b in rpc.bindings:
            for prefix, quota in QUOTA_OF_PREFIX.items():
                if b.path.startswith(prefix) and rpc.access.quota != quota:
                    got = rpc.access.quota
                    wrong.append(
                        f"{rpc.full_name} ({b.verb} {b.path}): quota {got!r}, seed 7.2 says {quota!r}"
                    )
    assert not wrong, "\n".join(wrong)
