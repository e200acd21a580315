"""GET /openapi.json (the REST surface's OpenAPI 3.1 document) and GET /api-docs, a page that
lists its operations, parameters and schemas in the browser with no script from elsewhere."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trading platform REST API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem 1.5rem;color:#1b1f24}
h2{margin-top:2rem;border-bottom:1px solid #d0d7de}
details{border:1px solid #d0d7de;border-radius:6px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5em;font-weight:700}
.lock{color:#9a6700} pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:13px}
</style></head>
<body><h1>Trading platform REST API</h1>
<p>From <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
Errors are <code>google.rpc.Status</code> JSON.
Routes marked &#128274; need <code>Authorization: Bearer &lt;access token&gt;</code>.</p>
<main id="ops">Loading&hellip;</main>
<script>
const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value;
  if (cls) e.className = cls; return e; };
fetch("/openapi.json").then(r => r.json()).then(doc => {
  const main = document.getElementById("ops"); main.textContent = "";
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) (byTag[op.tags[0]] ??= []).push([method, path, op]);
  for (const tag of Object.keys(byTag).sort()) {
    main.append(text("h2", tag));
    for (const [method, path, op] of byTag[tag]) {
      const d = document.createElement("details"), s = document.createElement("summary");
      s.append(text("span", method.toUpperCase(), "m"), text("span", path + " "),
               text("span", op.security.length ? "\\u{1F512}" : "", "lock"));
      d.append(s, text("pre", JSON.stringify({parameters: op.parameters, requestBody: op.requestBody,
               responses: op.responses}, null, 2)));
      main.append(d);
    }
  }
  main.append(text("h2", "Schemas"), text("pre", JSON.stringify(doc.components.schemas, null, 2)));
});
</script></body></html>
"""


def add_api_docs(app: web.Application, document: dict[str, Any]) -> None:
    body = json.dumps(document, separators=(",", ":"))

    async def openapi_json(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="application/json", headers={"Cache-Control": "no-cache"})

    async def api_docs(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/api-docs", api_docs)
