"""Declarative source profiles: one TOML file per news site.

A profile says *where* a site lists its articles (feeds, sitemaps, section pages), *which* URLs are
articles, and *what* of its template is boilerplate. The single generic spider reads these, so adding
a site is a data change, not code. Profiles for real sites are written from knowledge and carry
``verified = false`` until someone has crawled the live site with them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import MISSING, Field, asdict, dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SOURCES_DIR = Path(__file__).parent / "sources"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ProfileError(ValueError):
    """A source profile is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Section:
    """A listing page of a site; ``next_page`` is a CSS selector for the pagination link."""

    url: str
    name: str = ""
    next_page: str = ""
    max_pages: int = 3


@dataclass(frozen=True)
class SourceProfile:
    id: str
    name_ar: str
    name_en: str
    country: str
    base_url: str
    allowed_domains: tuple[str, ...]
    article_patterns: tuple[str, ...]
    timezone: str = "UTC"
    language: str = "ar"
    verified: bool = False
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    deny_patterns: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    title_suffixes: tuple[str, ...] = ()
    max_articles: int = 0
    notes: str = ""
    # Where each claim comes from while the profile is unverified: «field: claim — public reference».
    evidence: tuple[str, ...] = ()
    # Real URLs of the site (from public references) that must and must not classify as articles;
    # tests/test_profiles.py checks every profile against its own examples.
    article_examples: tuple[str, ...] = ()
    non_article_examples: tuple[str, ...] = ()
    path: str = ""
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    _denied: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)

    # -- URL classification -------------------------------------------------------------------
    def absolute(self, url: str) -> str:
        return urljoin(self.base_url + "/", url)

    def is_article(self, url: str) -> bool:
        if any(p.search(url) for p in self._denied):
            return False
        return any(p.search(url) for p in self._compiled)

    def is_allowed(self, url: str) -> bool:
        """Same site: host in allowed_domains and, for the base host, the same port.

        The port check matters on loopback, where several sample sites share 127.0.0.1.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        base = urlsplit(self.base_url)
        # Only an explicit port on either side decides: http:// links to an https base (common in
        # feeds and sitemaps) are the same site, not another port.
        if host == (base.hostname or "").lower() and (_port(parts) or _port(base)):
            return (_port(parts) or _default_port(parts.scheme)) == (_port(base) or _default_port(base.scheme))
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    @property
    def feed_urls(self) -> list[str]:
        return [self.absolute(u) for u in self.feeds]

    @property
    def sitemap_urls(self) -> list[str]:
        return [self.absolute(u) for u in self.sitemaps]

    @property
    def section_list(self) -> list[Section]:
        return [replace(s, url=self.absolute(s.url)) for s in self.sections]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_base_url(self, base_url: str) -> SourceProfile:
        """The same profile moved to another origin (sample sites on an ephemeral port)."""
        old = self.base_url.rstrip("/")
        new = base_url.rstrip("/")
        pats = tuple(p.replace(re.escape(old), re.escape(new)) for p in self.article_patterns)
        host = urlsplit(new).hostname or ""
        return _build(
            {**self._raw(), "base_url": new, "article_patterns": list(pats), "allowed_domains": [host]},
            self.path,
        )

    def to_dict(self) -> dict:
        """The profile as TOML-shaped data (recorded in each WARC's warcinfo for provenance)."""
        return self._raw()

    def _raw(self) -> dict:
        """Every schema field (see ``_SCHEMA``), tuples as lists and sections as tables."""
        out: dict = {}
        for f in _SCHEMA:
            value = getattr(self, f.name)
            if f.name == "sections":
                value = [asdict(s) for s in value]
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:  # "host:99999" or "host:abc"
        return -1


# The TOML schema is the dataclass: every public field but ``path`` (where the profile was read
# from) is a key, required when it has no default; its annotation says what the value must be.
_SCHEMA: tuple[Field, ...] = tuple(f for f in fields(SourceProfile) if not f.name.startswith("_") and f.name != "path")
_REQUIRED = tuple(f.name for f in _SCHEMA if f.default is MISSING and f.default_factory is MISSING)
_KNOWN = {f.name for f in _SCHEMA}
_STR_FIELDS = tuple(f.name for f in _SCHEMA if f.type == "str")
_LIST_FIELDS = tuple(f.name for f in _SCHEMA if f.type == "tuple[str, ...]")
_SECTION_TYPES = {f.name: {"str": str, "int": int}[f.type] for f in fields(Section)}


def _build(data: dict, path: str) -> SourceProfile:
    where = path or "<profile>"
    missing = [k for k in _REQUIRED if not data.get(k)]
    if missing:
        raise ProfileError(f"{where}: missing required field(s): {', '.join(missing)}")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ProfileError(f"{where}: unknown field(s): {', '.join(unknown)}")
    _check_types(data, where)
    if not _ID_RE.match(data["id"]):
        raise ProfileError(f"{where}: id {data['id']!r} must be lowercase letters, digits and dashes")
    base = urlsplit(data["base_url"])
    if base.scheme not in ("http", "https") or not base.hostname or _port(base) == -1:
        raise ProfileError(f"{where}: base_url {data['base_url']!r} is not an http(s) URL")
    try:
        ZoneInfo(data.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ProfileError(f"{where}: unknown timezone {data.get('timezone')!r}") from exc
    compiled, denied = [], []
    for key, out in (("article_patterns", compiled), ("deny_patterns", denied)):
        for pat in data.get(key, []):
            try:
                out.append(re.compile(pat))
            except re.error as exc:
                raise ProfileError(f"{where}: bad regex in {key}: {pat!r}: {exc}") from exc
    sections = []
    for i, sec in enumerate(data.get("sections", [])):
        if not isinstance(sec, dict) or "url" not in sec:
            raise ProfileError(f"{where}: sections[{i}] needs a url")
        extra = set(sec) - set(_SECTION_TYPES)
        if extra:
            raise ProfileError(f"{where}: sections[{i}] unknown field(s): {', '.join(sorted(extra))}")
        sections.append(Section(**sec))
    if not (data.get("feeds") or data.get("sitemaps") or sections):
        raise ProfileError(f"{where}: needs at least one of feeds, sitemaps, sections")
    values = {name: tuple(data[name]) if name in _LIST_FIELDS else data[name] for name in _KNOWN if name in data}
    profile = SourceProfile(**{
        **values, "base_url": data["base_url"].rstrip("/"),
        "allowed_domains": tuple(d.lower() for d in data["allowed_domains"]), "sections": tuple(sections),
    }, path=path, _compiled=tuple(compiled), _denied=tuple(denied))
    for url in profile.feed_urls + profile.sitemap_urls + [s.url for s in profile.section_list]:
        if not profile.is_allowed(url):
            raise ProfileError(f"{where}: {url} is outside allowed_domains {list(profile.allowed_domains)}")
    return profile


def _check_types(data: dict, where: str) -> None:
    """A string where a list belongs would otherwise become a tuple of characters (each one a
    "pattern" or a "feed"), and ``verified = "false"`` would be true."""
    for key in _STR_FIELDS:
        if key in data and not isinstance(data[key], str):
            raise ProfileError(f"{where}: {key} must be a string, not {type(data[key]).__name__}")
    for key in _LIST_FIELDS:
        val = data.get(key, [])
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            raise ProfileError(f"{where}: {key} must be a list of strings")
    if not isinstance(data.get("verified", False), bool):
        raise ProfileError(f"{where}: verified must be true or false")
    max_articles = data.get("max_articles", 0)
    if not isinstance(max_articles, int) or isinstance(max_articles, bool) or max_articles < 0:
        raise ProfileError(f"{where}: max_articles must be a non-negative integer")
    sections = data.get("sections", [])
    if not isinstance(sections, list):
        raise ProfileError(f"{where}: sections must be a list of tables")
    for i, sec in enumerate(sections):
        if not isinstance(sec, dict):
            continue  # reported with its index by _build
        for key, typ in _SECTION_TYPES.items():
            if key in sec and (not isinstance(sec[key], typ) or isinstance(sec[key], bool)):
                raise ProfileError(f"{where}: sections[{i}].{key} must be {typ.__name__}")


def profile_from_dict(data: dict, where: str = "") -> SourceProfile:
    return _build(dict(data), where)


def load_profile(path: str | Path) -> SourceProfile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    return _build(data, str(path))


def load_profiles(directories: list[Path] | None = None) -> dict[str, SourceProfile]:
    """All profiles from the given directories (default: the bundled ones), keyed by id."""
    out: dict[str, SourceProfile] = {}
    for directory in directories or [SOURCES_DIR]:
        for path in sorted(Path(directory).glob("*.toml")):
            prof = load_profile(path)
            if prof.id in out:
                raise ProfileError(f"{path}: duplicate id {prof.id!r} (also in {out[prof.id].path})")
            out[prof.id] = prof
    return out


def profile_for_url(url: str, profiles: dict[str, SourceProfile]) -> SourceProfile | None:
    for prof in profiles.values():
        if prof.is_allowed(url):
            return prof
    return None


def profile_of(spider: object) -> SourceProfile | None:
    """The source profile a spider crawls (``NewsSpider.profile``), or None under another spider —
    the middlewares and pipelines then do their generic part only."""
    profile = getattr(spider, "profile", None)
    return profile if isinstance(profile, SourceProfile) else None


def source_id(spider: object, default: str = "") -> str:
    """The id the archive files, the fetch log and the spool name a crawl by: its profile's."""
    profile = profile_of(spider)
    return profile.id if profile is not None else default
