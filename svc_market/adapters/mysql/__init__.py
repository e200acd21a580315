"""The legacy MySQL bar store, Polygon's fallback (seed 9.1)."""

from svc_market.adapters.mysql.bars import SCHEMA, LegacyMySQLBars

__all__ = ["SCHEMA", "LegacyMySQLBars"]
