"""The managed strategies on offer. Each product has one trading agent that trades its symbols."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.errors import NotFound

D = Decimal


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    description: str
    risk_profile: str  # conservative, moderate, aggressive
    symbols: tuple[str, ...]
    risk_per_trade_percent: Decimal  # of equity lost when the stop loss is hit
    max_drawdown_percent: Decimal  # the agent stops opening positions beyond this drawdown
    max_open_positions: int
    min_deposit_minor: int
    management_fee_percent: Decimal
    performance_fee_percent: Decimal
    min_confidence: float = 0.0

    @property
    def agent_id(self) -> str:
        return f"agent-{self.product_id}"


PRODUCTS: tuple[Product, ...] = (
    Product(
        product_id="atlas",
        name="Atlas",
        description="Conservative: majors and gold, 1% risk per trade, small drawdowns.",
        risk_profile="conservative",
        symbols=("EURUSD", "GBPUSD", "XAUUSD", "BTCUSD"),
        risk_per_trade_percent=D("1"),
        max_drawdown_percent=D("10"),
        max_open_positions=3,
        min_deposit_minor=10_000,
        management_fee_percent=D("1.5"),
        performance_fee_percent=D("15"),
        min_confidence=0.55,
    ),
    Product(
        product_id="orion",
        name="Orion",
        description="Moderate: FX majors and indices, 2% risk per trade.",
        risk_profile="moderate",
        symbols=("EURUSD", "USDJPY", "US500", "BTCUSD"),
        risk_per_trade_percent=D("2"),
        max_drawdown_percent=D("20"),
        max_open_positions=5,
        min_deposit_minor=50_000,
        management_fee_percent=D("2"),
        performance_fee_percent=D("20"),
        min_confidence=0.5,
    ),
    Product(
        product_id="nova",
        name="Nova",
        description="Aggressive: crypto and gold, 3% risk per trade, large drawdowns accepted.",
        risk_profile="aggressive",
        symbols=("BTCUSD", "ETHUSD", "XAUUSD"),
        risk_per_trade_percent=D("3"),
        max_drawdown_percent=D("35"),
        max_open_positions=8,
        min_deposit_minor=100_000,
        management_fee_percent=D("2.5"),
        performance_fee_percent=D("25"),
        min_confidence=0.5,
    ),
)

_BY_ID = {p.product_id: p for p in PRODUCTS}


def product(product_id: str) -> Product:
    found = _BY_ID.get(product_id)
    if found is None:
        raise NotFound(f"no investment product {product_id!r}", reason="PRODUCT_NOT_FOUND")
    return found
