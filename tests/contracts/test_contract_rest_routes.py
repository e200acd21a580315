"""Every endpoint of the seed (sections 4.1, 4.2, 4.3) is an RPC with that REST method and path."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from trading.common.v1 import access_pb2

from tests.contracts.descriptors import HttpBinding, Rpc, messages_of

PUBLIC = access_pb2.AUDIENCE_PUBLIC
SERVICE = access_pb2.AUDIENCE_SERVICE
USER_AUDIENCES = {access_pb2.AUDIENCE_USER, access_pb2.AUDIENCE_SUPPORT, access_pb2.AUDIENCE_ADMIN}


@dataclass(frozen=True)
class SeedRow:
    """One row of a seed endpoint table: | Method | Endpoint | ... | Auth |."""

    section: str
    method: str  # GET, POST, DELETE or WS
    endpoint: str  # as the seed writes it, ":id" style
    auth: str  # the seed's Auth column: "Yes", "No" or "API Key"
    streams: bool = False  # the seed's Response column says "Stream"

    @property
    def verb(self) -> str:
        return "GET" if self.method == "WS" else self.method

    @property
    def server_streaming(self) -> bool:
        return self.method == "WS" or self.streams

    @property
    def shape(self) -> str:
        """ ":id" -> "{}", the same erasure HttpBinding.shape applies to "{id}"."""
        return "/".join("{}" if part.startswith(":") else part for part in self.endpoint.split("/"))

    @property
    def prefix_allowed(self) -> bool:
        """4.2 and 4.3 were separate servers: behind one gateway their paths may take a prefix."""
        return not self.section.startswith("4.1")

    def __str__(self) -> str:
        return f"{self.section}: {self.method} {self.endpoint}"


# Copied from the seed, section 4.1 "Backend Express", every table.
SEED_4_1 = [
    SeedRow("4.1 Autenticacion", "POST", "/auth/register", "No"),
    SeedRow("4.1 Autenticacion", "POST", "/auth/login", "No"),
    SeedRow("4.1 Autenticacion", "POST", "/auth/oauth/:provider", "No"),
    SeedRow("4.1 Autenticacion", "POST", "/auth/2fa/setup", "Yes"),
    SeedRow("4.1 Autenticacion", "POST", "/auth/2fa/verify", "Yes"),
    SeedRow("4.1 Autenticacion", "POST", "/auth/refresh", "No"),
    SeedRow("4.1 Educacion", "GET", "/education/courses", "Yes"),
    SeedRow("4.1 Educacion", "GET", "/education/courses/:slug", "Yes"),
    SeedRow("4.1 Educacion", "POST", "/education/courses/:id/enroll", "Yes"),
    SeedRow("4.1 Educacion", "GET", "/education/lessons/:id", "Yes"),
    SeedRow("4.1 Educacion", "POST", "/education/lessons/:id/progress", "Yes"),
    SeedRow("4.1 Educacion", "POST", "/education/quizzes/:id/submit", "Yes"),
    SeedRow("4.1 Trading", "GET", "/trading/symbols", "Yes"),
    SeedRow("4.1 Trading", "GET", "/trading/candles/:symbol", "Yes"),
    SeedRow("4.1 Trading", "WS", "/trading/stream/:symbol", "Yes"),
    SeedRow("4.1 Trading", "GET", "/trading/watchlists", "Yes"),
    SeedRow("4.1 Trading", "POST", "/trading/paper/orders", "Yes"),
    SeedRow("4.1 Trading", "GET", "/trading/paper/positions", "Yes"),
    SeedRow("4.1 Investment", "GET", "/investment/products", "Yes"),
    SeedRow("4.1 Investment", "GET", "/investment/accounts", "Yes"),
    SeedRow("4.1 Investment", "POST", "/investment/accounts", "Yes"),
    SeedRow("4.1 Investment", "POST", "/investment/accounts/:id/deposit", "Yes"),
    SeedRow("4.1 Investment", "POST", "/investment/accounts/:id/withdraw", "Yes"),
    SeedRow("4.1 Investment", "GET", "/investment/accounts/:id/performance", "Yes"),
    SeedRow("4.1 Payments", "GET", "/payments/plans", "No"),
    SeedRow("4.1 Payments", "POST", "/payments/checkout", "Yes"),
    SeedRow("4.1 Payments", "GET", "/payments/subscription", "Yes"),
    SeedRow("4.1 Payments", "POST", "/payments/subscription/cancel", "Yes"),
    SeedRow("4.1 Payments", "GET", "/payments/wallet", "Yes"),
    SeedRow("4.1 Payments", "POST", "/payments/wallet/deposit", "Yes"),
    # POST /payments/webhook (Stripe, "No (Signature)") is the edge's: see EDGE_ROUTES.
    SeedRow("4.1 ML Proxy", "GET", "/ml/signals/:symbol", "Yes"),
    SeedRow("4.1 ML Proxy", "GET", "/ml/predictions/:symbol", "Yes"),
    SeedRow("4.1 ML Proxy", "GET", "/ml/indicators/:symbol", "Yes"),
    SeedRow("4.1 LLM Agent", "POST", "/agent/chat", "Yes", streams=True),
    SeedRow("4.1 LLM Agent", "GET", "/agent/conversations", "Yes"),
    SeedRow("4.1 LLM Agent", "GET", "/agent/conversations/:id", "Yes"),
    SeedRow("4.1 LLM Agent", "DELETE", "/agent/conversations/:id", "Yes"),
]

# Section 4.2 "ML Engine FastAPI".
SEED_4_2 = [
    SeedRow("4.2 ML Engine", "POST", "/predictions", "API Key"),
    SeedRow("4.2 ML Engine", "POST", "/signals", "API Key"),
    SeedRow("4.2 ML Engine", "GET", "/indicators", "API Key"),
    SeedRow("4.2 ML Engine", "GET", "/models/status", "API Key"),
    SeedRow("4.2 ML Engine", "GET", "/models/:name/metrics", "API Key"),
    SeedRow("4.2 ML Engine", "GET", "/health", "No"),
    SeedRow("4.2 ML Engine", "WS", "/ws/:symbol", "API Key"),
]

# Section 4.3 "Data Service Python".
SEED_4_3 = [
    SeedRow("4.3 Data Service", "GET", "/sync/status", "API Key"),
    SeedRow("4.3 Data Service", "POST", "/sync/trigger", "API Key"),
    SeedRow("4.3 Data Service", "GET", "/sync/history/:ticker_id", "API Key"),
    SeedRow("4.3 Data Service", "GET", "/spreads/:ticker_id", "API Key"),
    SeedRow("4.3 Data Service", "GET", "/health", "No"),
]

SEED_ROWS = SEED_4_1 + SEED_4_2 + SEED_4_3

# Rows whose RPC is deliberately open wider than the seed's Auth column, with the reason.
WIDER_ON_PURPOSE = {
    (
        "POST",
        "/auth/2fa/verify",
    ): "it also completes the login's 2FA challenge, before the caller has a token",
}

# Seed rows served by the aiohttp edge, never by an RPC (Envoy routes them to the edge).
EDGE_ROUTES = [("POST", "/payments/webhook"), ("POST", "/broker/webhook")]


def _path_matches(row: SeedRow, binding: HttpBinding) -> bool:
    if binding.shape == row.shape:
        return True
    prefix = binding.shape.removesuffix(row.shape)
    return row.prefix_allowed and prefix != binding.shape and prefix.startswith("/") and len(prefix) > 1


def candidates(row: SeedRow, rpcs: list[Rpc]) -> list[Rpc]:
    """The RPCs that serve a row: same verb, same path (or a prefixed one for 4.2/4.3), same shape."""
    return [
        rpc
        for rpc in rpcs
        if not rpc.client_streaming
        and rpc.server_streaming == row.server_streaming
        and any(b.verb == row.verb and _path_matches(row, b) for b in rpc.bindings)
    ]


def assign(rows: list[SeedRow], rpcs: list[Rpc]) -> dict[SeedRow, Rpc]:
    """One distinct RPC per row where possible (the two /health rows must not share one RPC)."""
    options = {row: candidates(row, rpcs) for row in rows}
    owner: dict[str, SeedRow] = {}

    def claim(row: SeedRow, seen: set[str]) -> bool:
        for rpc in options[row]:
            if rpc.full_name in seen:
                continue
            seen.add(rpc.full_name)
            if rpc.full_name not in owner or claim(owner[rpc.full_name], seen):
                owner[rpc.full_name] = row
                return True
        return False

    for row in rows:
        claim(row, set())
    by_name = {rpc.full_name: rpc for rpc in rpcs}
    return {row: by_name[name] for name, row in owner.items()}


def test_every_seed_endpoint_is_an_rpc_with_its_rest_method_and_path(rpcs: list[Rpc]) -> None:
    served = assign(SEED_ROWS, rpcs)
    missing = [str(row) for row in SEED_ROWS if row not in served]
    assert not missing, "seed endpoints without an RPC:\n" + "\n".join(missing)


def test_seed_endpoints_have_the_seed_auth_rule(rpcs: list[Rpc]) -> None:
    wrong = []
    for row, rpc in assign(SEED_ROWS, rpcs).items():
        audience = rpc.access.audience
        ok = {
            "No": audience == PUBLIC,
            "Yes": audience in USER_AUDIENCES,
            "API Key": audience == SERVICE,
        }[row.auth]
        if not ok and (row.method, row.endpoint) not in WIDER_ON_PURPOSE:
            wrong.append(f"{row} (auth {row.auth}) -> {rpc.full_name}: {access_pb2.Audience.Name(audience)}")
    assert not wrong, "\n".join(wrong)


def test_edge_routes_are_left_to_the_edge(rpcs: list[Rpc]) -> None:
    clashes = [
        f"{rpc.full_name} {b.verb} {b.path}"
        for rpc in rpcs
        for b in rpc.bindings
        if (b.verb, b.shape) in EDGE_ROUTES
    ]
    assert not clashes, "these routes belong to the edge:\n" + "\n".join(clashes)


def test_no_two_rpcs_share_a_rest_route(rpcs: list[Rpc]) -> None:
    seen: dict[tuple[str, str], str] = {}
    clashes = []
    for rpc in rpcs:
        for b in rpc.bindings:
            other = seen.setdefault((b.verb, b.shape), rpc.full_name)
            if other != rpc.full_name:
                clashes.append(f"{b.verb} {b.path}: {other} and {rpc.full_name}")
    assert not clashes, "\n".join(clashes)


def test_rest_rules_bind_fields_the_request_has(committed, rpcs: list[Rpc]) -> None:
    messages = messages_of(committed)
    wrong = []
    for rpc in rpcs:
        request = messages[rpc.input_type]
        fields = {f.name for f in request.field}
        for b in rpc.bindings:
            for var in b.variables:
                if var.split(".")[0] not in fields:
                    wrong.append(f"{rpc.full_name}: {b.path} binds {var}, not a field of {rpc.input_type}")
            if b.body not in ("", "*") and b.body not in fields:
                wrong.append(f"{rpc.full_name}: body {b.body!r} is not a field of {rpc.input_type}")
            if b.verb in ("GET", "DELETE") and b.body:
                wrong.append(f"{rpc.full_name}: {b.verb} {b.path} must not take a body")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("row", "binding", "matches"),
    [
        (SEED_4_1[7], HttpBinding("GET", "/education/courses/{slug}", ""), True),
        (SEED_4_1[21], HttpBinding("POST", "/investment/accounts/{account_id}/deposit", "*"), True),
        (SEED_4_1[7], HttpBinding("GET", "/v2/education/courses/{slug}", ""), False),
        (SEED_4_2[5], HttpBinding("GET", "/inference/health", ""), True),
        (SEED_4_2[5], HttpBinding("GET", "/health", ""), True),
        (SEED_4_2[5], HttpBinding("GET", "/unhealth", ""), False),
        (SEED_4_2[1], HttpBinding("POST", "/ml/signals/{symbol}", ""), False),
    ],
)
def test_seed_paths_match_exactly_in_4_1_and_with_a_prefix_in_4_2_and_4_3(
    row: SeedRow, binding: HttpBinding, matches: bool
) -> None:
    assert _path_matches(row, binding) is matches
