"""The web app: Arabic search, article pages, captures and sandboxed replay, plus the JSON API.

``create_app`` builds a FastAPI app over one data directory; ``akhbar serve`` runs it with uvicorn.
The interactive API consoles (/docs, /redoc) are off because they load their scripts from a CDN,
which this app never does; the description is at ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from akhbar.config import DataDir
from akhbar.web import api, pages
from akhbar.web.security import SecurityHeaders
from akhbar.web.services import Services

STATIC = Path(__file__).with_name("static")


def create_app(data: DataDir | None = None, backend_name: str | None = None) -> FastAPI:
    services = Services(data or DataDir.from_env(), backend_name)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(title="Akhbar", version="0.1.0", docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Search the Arabic news archive, read articles, list and replay captures.")
    app.state.services = services
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_middleware(SecurityHeaders)
    return app
