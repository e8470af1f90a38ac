"""The demo shop page and the built widget, as static files with a strict script policy."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEMO_DIR = PACKAGE_DIR / "demo" / "static"
WIDGET_DIR = PACKAGE_DIR / "static" / "widget"
CONSOLE_DIR = PACKAGE_DIR / "static" / "console"

# Scripts only from our own origin, never inline; the widget's socket may use ws(s) to us.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.path.startswith(("/demo", "/console")):
        response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


async def demo_index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(DEMO_DIR / "index.html")


async def console_index(request: web.Request) -> web.FileResponse:
    index = CONSOLE_DIR / "index.html"
    if not index.exists():
        raise web.HTTPNotFound(text="The agent console is not built: run `npm run build` in widgets/.")
    response = web.FileResponse(index)
    response.headers["Cache-Control"] = "no-cache"
    return response


async def root(request: web.Request) -> web.Response:
    raise web.HTTPFound("/demo")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", root)
    app.router.add_get("/demo", demo_index)
    if DEMO_DIR.is_dir():
        app.router.add_static("/demo/", DEMO_DIR)
    app.router.add_get("/console", console_index)
    if CONSOLE_DIR.is_dir():
        app.router.add_static("/console/", CONSOLE_DIR)
    if WIDGET_DIR.is_dir():
        app.router.add_static("/widget/", WIDGET_DIR)
    else:
        log.warning("widget not built (%s missing): run `npm run build` in widgets/", WIDGET_DIR)
