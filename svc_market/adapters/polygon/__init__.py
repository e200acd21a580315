"""Polygon (Massive) through the `massive` client: REST aggregates for the sync, WebSocket quotes."""

from svc_market.adapters.polygon.bars import PolygonBars
from svc_market.adapters.polygon.quotes import PolygonQuotes, channel_of

__all__ = ["PolygonBars", "PolygonQuotes", "channel_of"]
