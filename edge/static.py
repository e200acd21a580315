"""The built browser app (web/dist), or a page saying it is not built.

Files are served as they are (a precompressed `.gz` beside one goes to browsers that accept gzip);
hashed bundles under assets/ are cached for a year; any other GET that asks for HTML gets
index.html, so the app's own routes (/trading/EURUSD, /learn/...) load on a reload or a shared link.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trading platform</title></head>
<body><h1>The web app isn't built</h1>
<p>The API is up: REST and gRPC answer on this address. Build the browser app with
<code>npm --prefix web ci &amp;&amp; npm --prefix web run build</code> and reload.</p>
<p><a href="/health">/health</a></p></body></html>
"""


ASSETS = "assets/"  # vite's output: every name carries a content hash
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
NO_CACHE = {"Cache-Control": "no-cache"}


def _inside(root: Path, tail: str) -> Path | None:
    candidate = (root / tail).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    return candidate if candidate.is_file() else None


def static_handler(web_root: Path) -> Handler:
    """Files under web_root; index.html for page navigations (the app routes on the client)."""
    root = web_root.resolve()

    async def handle(request: web.Request) -> web.StreamResponse:
        if not (root / "index.html").is_file():
            if request.path == "/":
                return web.Response(text=NOT_BUILT_PAGE, content_type="text/html")
            raise web.HTTPNotFound()
        tail = request.match_info.get("tail", "")
        found = _inside(root, tail)
        if found is not None:
            immutable = tail.startswith(ASSETS) and found.suffix in (".js", ".css")
            return web.FileResponse(found, headers=IMMUTABLE if immutable else NO_CACHE)
        if not tail or "text/html" in request.headers.get("Accept", ""):
            return web.FileResponse(root / "index.html", headers=NO_CACHE)
        raise web.HTTPNotFound()

    return handle
