"""Vendor webhooks (seed 5.1). Answered 501 until the billing and broker work handles them."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

UNIMPLEMENTED = 12  # google.rpc.Code


def not_handled_yet(vendor: str, owner: str) -> Handler:
    """A webhook endpoint that says, as a google.rpc.Status, that nothing handles it yet."""

    async def handle(request: web.Request) -> web.Response:
        body = {
            "code": UNIMPLEMENTED,
            "message": f"{vendor} webhooks are not handled yet; {owner} will handle them",
            "details": [],
        }
        return web.json_response(body, status=501)

    return handle
