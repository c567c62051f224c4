"""What the sample sites publish, as data: the ground truth other components' tests assert against.

Articles live in ``sites/<site>/articles.toml`` (text is data, not code). Dates are written as local
wall-clock times and get their UTC offset from the site's time zone here, so a summer/winter-time
mistake in the data cannot creep in. Aggregator entries that republish DW copy name the DW path and
inherit its title and paragraphs, as a real aggregator would copy them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from samples import SITE_NAMES, SITES_DIR, default_base_urls

SITE_TIMEZONES: dict[str, str] = {"watan": "Asia/Damascus", "dw": "Europe/Berlin", "aggregator": "Asia/Damascus"}
KNOWN_FLAGS = frozenset({"seed", "malformed", "non_html", "cp1256", "republished"})


@dataclass(frozen=True)
class SampleArticle:
    """One article as the sample server publishes it (``body`` is the story text only, no chrome)."""

    site: str
    url_path: str
    title: str
    section: str
    published: str  # ISO 8601 with the site's UTC offset
    authors: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    tags: tuple[str, ...] = ()
    modified: str = ""
    byline: str = ""
    republished_from: str = ""  # URL path of the original on the dw site
    pdf_text: tuple[str, ...] = field(default=(), repr=False)

    @property
    def path(self) -> str:
        """Alias of ``url_path`` (the path the server answers on)."""
        return self.url_path

    @property
    def text(self) -> str:
        return "\n".join(self.body)

    @property
    def published_dt(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @property
    def modified_dt(self) -> datetime:
        return datetime.fromisoformat(self.modified or self.published)

    def url(self, base_urls: dict[str, str] | None = None) -> str:
        base = (base_urls or default_base_urls())[self.site]
        return base.rstrip("/") + self.url_path


def _iso(value: datetime, tz: str) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.isoformat()


def _load_site(site: str, originals: dict[str, SampleArticle]) -> list[SampleArticle]:
    path = SITES_DIR / site / "articles.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    tz = SITE_TIMEZONES[site]
    out = []
    for i, raw in enumerate(data["article"]):
        where = f"{path}: article[{i}]"
        flags = frozenset(raw.get("flags", []))
        if flags - KNOWN_FLAGS:
            raise ValueError(f"{where}: unknown flags {sorted(flags - KNOWN_FLAGS)}")
        source = raw.get("republishes", "")
        orig = originals.get(source) if source else None
        if source and orig is None:
            raise ValueError(f"{where}: republishes unknown dw path {source!r}")
        body = tuple(raw.get("paragraphs") or (orig.body if orig else ()))
        if not body and "non_html" not in flags:
            raise ValueError(f"{where}: no paragraphs")
        out.append(SampleArticle(
            site=site,
            url_path=raw["url_path"],
            title=raw.get("title") or (orig.title if orig else ""),
            section=raw["section"],
            published=_iso(raw["published"], tz),
            authors=tuple(raw.get("authors", [])),
            agencies=tuple(raw.get("agencies") or (orig.agencies if orig else ())),
            body=body,
            flags=flags | ({"republished"} if source else frozenset()),
            tags=tuple(raw.get("tags", [])),
            modified=_iso(raw["modified"], tz) if "modified" in raw else "",
            byline=raw.get("byline", ""),
            republished_from=source,
            pdf_text=tuple(raw.get("pdf_text", [])),
        ))
    return out


@lru_cache(maxsize=1)
def _catalog() -> tuple[SampleArticle, ...]:
    dw = _load_site("dw", {})
    originals = {a.url_path: a for a in dw}
    by_site = {"dw": dw}
    for site in SITE_NAMES:
        if site != "dw":
            by_site[site] = _load_site(site, originals)
    arts = [a for site in SITE_NAMES for a in by_site[site]]
    seen: set[tuple[str, str]] = set()
    for a in arts:
        if (a.site, a.url_path) in seen:
            raise ValueError(f"duplicate sample article {a.site}{a.url_path}")
        seen.add((a.site, a.url_path))
    return tuple(arts)


def catalog() -> list[SampleArticle]:
    """Every sample article, site by site (watan, dw, aggregator) in data-file order."""
    return list(_catalog())


def site_articles(site: str) -> list[SampleArticle]:
    """One site's articles, newest first (the order listings and feeds use)."""
    return sorted((a for a in _catalog() if a.site == site), key=lambda a: a.published_dt, reverse=True)


def find(site: str, url_path: str) -> SampleArticle | None:
    return next((a for a in _catalog() if a.site == site and a.url_path == url_path), None)
