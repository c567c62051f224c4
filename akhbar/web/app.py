"""The web app: Arabic search, article pages, captures and sandboxed replay, plus the JSON API,
Memento (RFC 7089: ``akhbar.web.memento_routes``) and Prometheus ``/metrics`` (``akhbar.web.metrics``).

``create_app`` builds a FastAPI app over one data directory; ``akhbar serve`` runs it with uvicorn.
The interactive API consoles (/docs, /redoc) are off because they load their scripts from a CDN,
which this app never does; the description is at ``/openapi.json``.

Edges: only requests naming an allowed host are answered (Starlette's ``TrustedHostMiddleware``;
loopback names by default, more from ``AKHBAR_ALLOWED_HOSTS`` or ``akhbar serve --allowed-host``),
which keeps a page on another site from reaching the app through DNS rebinding. There is no
trailing-slash redirect (its ``Location`` would echo the request's ``Host``). The security
headers are put on outside Starlette's error middleware, so even a 500 carries them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp

from akhbar.web import api, memento_routes, metrics, pages
from akhbar.web.security import SecurityHeaders
from akhbar.web.services import Services
from core.config import DataDir

STATIC = Path(__file__).with_name("static")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(extra: Iterable[str] = ()) -> list[str]:
    """Loopback names, then ``AKHBAR_ALLOWED_HOSTS`` (comma-separated), then ``extra``. Host names
    without port; an IPv6 address may be given bare (``::1``); ``*.example.org`` allows subdomains."""
    names = [*LOOPBACK_HOSTS, *os.environ.get("AKHBAR_ALLOWED_HOSTS", "").split(","), *extra]
    out: list[str] = []
    for name in (n.strip().lower() for n in names):
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # the Host header brackets IPv6 literals
        if name and name not in out:
            out.append(name)
    return out


class AkhbarApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        """Security headers outermost, around Starlette's ServerErrorMiddleware too."""
        return SecurityHeaders(super().build_middleware_stack())


def create_app(data: DataDir | None = None, backend_name: str | None = None,
               hosts: Iterable[str] | None = None) -> FastAPI:
    """The app; ``hosts`` replaces :func:`allowed_hosts` (``["*"]`` allows any Host)."""
    services = Services(data or DataDir.from_env(), backend_name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = AkhbarApp(title="Akhbar", version="0.1.0", docs_url=None, redoc_url=None, lifespan=lifespan,
                    description="Search the Arabic news archive, read articles, list and replay captures.")
    app.router.redirect_slashes = False
    app.state.services = services
    app.state.metrics = metrics.Metrics(services.data)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(memento_routes.router)
    app.include_router(metrics.router)
    app.add_middleware(metrics.SearchTiming, histogram=app.state.metrics.search_latency)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(hosts) if hosts is not None else allowed_hosts(),
                       www_redirect=False)
    return app
