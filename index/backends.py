"""Pick a search backend by name: the embedded SQLite FTS5 default, or Elasticsearch when configured."""

from __future__ import annotations

import os

from core.config import DataDir
from index.base import SearchBackend

BACKENDS = ("embedded", "elasticsearch")
DEFAULT_ES_URL = "http://127.0.0.1:9200"


def default_backend_name() -> str:
    return os.environ.get("AKHBAR_BACKEND", "embedded")


def open_backend(name: str | None = None, data: DataDir | None = None, *,
                 lock_timeout: float = 30.0) -> SearchBackend:
    """``lock_timeout``: how long the embedded backend waits for a competing writer."""
    name = name or default_backend_name()
    data = data or DataDir.from_env()
    if name == "embedded":
        from index.embedded import EmbeddedBackend

        data.root.mkdir(parents=True, exist_ok=True)
        return EmbeddedBackend(data.index, busy_timeout=lock_timeout)
    if name in ("elasticsearch", "es"):
        from index.elastic import ElasticBackend

        return ElasticBackend(os.environ.get("AKHBAR_ES_URL") or DEFAULT_ES_URL,
                              os.environ.get("AKHBAR_ES_INDEX_PREFIX") or "akhbar", **es_client_options())
    raise ValueError(f"unknown search backend {name!r}; available: {', '.join(BACKENDS)}")


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off")


def es_client_options(env: dict[str, str] | None = None) -> dict:
    """Client options from ``AKHBAR_ES_*``: basic auth (USER/PASSWORD), API_KEY, CA_CERTS, VERIFY.

    Only what is set is passed on, so the client's own defaults (verify certificates) hold.
    """
    env = os.environ if env is None else env
    opts: dict = {}
    if env.get("AKHBAR_ES_USER"):
        opts["basic_auth"] = (env["AKHBAR_ES_USER"], env.get("AKHBAR_ES_PASSWORD", ""))
    if env.get("AKHBAR_ES_API_KEY"):
        opts["api_key"] = env["AKHBAR_ES_API_KEY"]
    if env.get("AKHBAR_ES_CA_CERTS"):
        opts["ca_certs"] = env["AKHBAR_ES_CA_CERTS"]
    if env.get("AKHBAR_ES_VERIFY"):
        opts["verify_certs"] = _flag(env["AKHBAR_ES_VERIFY"])
        if not opts["verify_certs"]:
            opts["ssl_show_warn"] = False
    return opts
