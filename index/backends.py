"""Open a search backend by name: the embedded SQLite FTS5 default, or Elasticsearch when configured.

The configuration arrives as arguments. Where it comes from is the application's business: the
CLI and the web app read the environment, the crawl's index pipeline its Scrapy settings — both
hold the same ``AKHBAR_BACKEND`` / ``AKHBAR_ES_*`` keys, which ``BackendConfig.from_settings``
turns into arguments for ``open_backend``. Only the chosen backend's module (and client library)
is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.config import DataDir
from index.base import SearchBackend
from index.es_copies import copies_settings

BACKENDS = ("embedded", "elasticsearch")
DEFAULT_BACKEND = "embedded"
DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_ES_PREFIX = "akhbar"
DEFAULT_ES_SHARDS = 1
DEFAULT_ES_REPLICAS = "0-1"  # one copy per node up to two: green on one node, a replica on two
# Every key ElasticOptions reads: the application copies these from the environment into a
# crawl's settings (akhbar.crawl.environment_settings).
ES_SETTINGS = ("AKHBAR_ES_URL", "AKHBAR_ES_INDEX_PREFIX", "AKHBAR_ES_USER", "AKHBAR_ES_PASSWORD",
               "AKHBAR_ES_API_KEY", "AKHBAR_ES_CA_CERTS", "AKHBAR_ES_VERIFY", "AKHBAR_ES_SHARDS",
               "AKHBAR_ES_REPLICAS")


class BackendSettingError(ValueError):
    """A backend setting that cannot mean anything (``AKHBAR_ES_SHARDS=two``): said in one line."""


@dataclass(frozen=True)
class ElasticOptions:
    """Where the Elasticsearch backend connects and what it names its indexes."""

    url: str = DEFAULT_ES_URL  # one node, or several comma-separated: the client fails over between them
    index_prefix: str = DEFAULT_ES_PREFIX  # several installations can share one engine
    client: Mapping[str, Any] = field(default_factory=dict)  # passed to ``Elasticsearch`` (auth, TLS)
    shards: int = DEFAULT_ES_SHARDS  # primary shards of each new index version
    replicas: str = DEFAULT_ES_REPLICAS  # "1" (a count) or "0-1" / "0-all" (auto-expanding)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ElasticOptions:
        """From ``AKHBAR_ES_URL``, ``AKHBAR_ES_INDEX_PREFIX``, ``AKHBAR_ES_SHARDS``,
        ``AKHBAR_ES_REPLICAS`` and the client keys of ``es_client_options``; unset or empty keys
        keep the defaults. A shard or replica value that is no number raises ``BackendSettingError``
        here, before anything connects."""
        shards_text = str(settings.get("AKHBAR_ES_SHARDS") or DEFAULT_ES_SHARDS).strip()
        replicas = str(settings.get("AKHBAR_ES_REPLICAS") or DEFAULT_ES_REPLICAS).strip()
        if not shards_text.isdigit() or int(shards_text) < 1:
            raise BackendSettingError(f"AKHBAR_ES_SHARDS must be a whole number of at least 1, not {shards_text!r}")
        try:
            copies_settings(replicas, int(shards_text))
        except ValueError as exc:
            raise BackendSettingError(f"AKHBAR_ES_REPLICAS: {exc}") from None
        return cls(url=str(settings.get("AKHBAR_ES_URL") or DEFAULT_ES_URL),
                   index_prefix=str(settings.get("AKHBAR_ES_INDEX_PREFIX") or DEFAULT_ES_PREFIX),
                   client=es_client_options(settings), shards=int(shards_text), replicas=replicas)


@dataclass(frozen=True)
class BackendConfig:
    """Which backend to open, and its options."""

    name: str = DEFAULT_BACKEND
    es: ElasticOptions = field(default_factory=ElasticOptions)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> BackendConfig:
        """From ``AKHBAR_BACKEND`` and ``AKHBAR_ES_*`` in ``settings``: ``os.environ``, or the
        crawl's Scrapy settings (a mapping too)."""
        return cls(name=str(settings.get("AKHBAR_BACKEND") or DEFAULT_BACKEND),
                   es=ElasticOptions.from_settings(settings))


def open_backend(name: str, data: DataDir, *, lock_timeout: float = 30.0,
                 es: ElasticOptions | None = None) -> SearchBackend:
    """``name``: one of ``BACKENDS`` (``es`` for short); ``data``: where the embedded index lives;
    ``lock_timeout``: how long the embedded backend waits for a competing writer; ``es``: the
    Elasticsearch options (the defaults when left out). Nothing here reads the environment: the
    application turns it into a ``BackendConfig`` (``BackendConfig.from_settings(os.environ)``)."""
    if name == "embedded":
        from index.embedded import EmbeddedBackend

        data.root.mkdir(parents=True, exist_ok=True)
        return EmbeddedBackend(data.index, busy_timeout=lock_timeout)
    if name in ("elasticsearch", "es"):
        from index.elastic import ElasticBackend

        es = es or ElasticOptions()
        return ElasticBackend(es.url, es.index_prefix, shards=es.shards, replicas=es.replicas, **es.client)
    raise ValueError(f"unknown search backend {name!r}; available: {', '.join(BACKENDS)}")


def _flag(value: object) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "off")


def es_client_options(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Client options from ``AKHBAR_ES_*`` keys: basic auth (USER/PASSWORD), API_KEY, CA_CERTS, VERIFY.

    Only what is set is passed on, so the client's own defaults (verify certificates) hold.
    """
    opts: dict[str, Any] = {}
    if settings.get("AKHBAR_ES_USER"):
        opts["basic_auth"] = (str(settings["AKHBAR_ES_USER"]), str(settings.get("AKHBAR_ES_PASSWORD") or ""))
    if settings.get("AKHBAR_ES_API_KEY"):
        opts["api_key"] = str(settings["AKHBAR_ES_API_KEY"])
    if settings.get("AKHBAR_ES_CA_CERTS"):
        opts["ca_certs"] = str(settings["AKHBAR_ES_CA_CERTS"])
    verify = settings.get("AKHBAR_ES_VERIFY")
    if verify is not None and verify != "":
        opts["verify_certs"] = _flag(verify)
        if not opts["verify_certs"]:
            opts["ssl_show_warn"] = False
    return opts
