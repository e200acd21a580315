"""The edge: aiohttp behind Envoy for webhooks, the WebSocket hub, the JWKS and the web app."""

from edge.app import create_app

__all__ = ["create_app"]
