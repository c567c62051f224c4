"""Memento (RFC 7089) over the archive: which captures are mementos, their links and their dates.

The routes (``akhbar.web.memento_routes``) answer a TimeMap, a TimeGate and the mementos
themselves from what is decided here, and ``akhbar.web.replay`` puts the same ``Link`` header on
every archived response, so a Memento client that lands on ``/archive`` finds its way back too.

Which captures are mementos: those that replay as a representation of the page at that time —
2xx answers, and 3xx answers too (Wayback practice: a redirect capture replays as a redirect to the
target's memento at the same time), and ``revisit`` records whose original payload is in the
archive with such a status (they replay as it). Error captures (4xx, 5xx) are not: they record that
the page was missing or failing, which ``/captures`` and ``/archive`` still show, and a TimeGate
that sent a reader to a 404 when an earlier copy of the page exists would hide it. Datetimes have a
resolution of one second, so of several captures in one second the one replay picks (the first,
as ``core.archive.closest`` does) stands for that second.

Links are path-absolute (``/memento/…``, no scheme or host): they resolve against whatever address
the client used, a reverse proxy needs no configuration, and the request's ``Host`` is never
echoed back (the app sends no ``Location`` built from it either).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from core.archive import Capture, capture_time, timestamp14

LINK_FORMAT = "application/link-format"
REVISIT = "warc/revisit"
# Characters left as they are when a URL is put in a path or between <…> (never space, <, >, ", \)
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HTTP_DATE = re.compile(r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (" + "|".join(_MONTHS) +
                        r") (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$")
_STAMP = re.compile(r"^([0-9]{4,14})(id_)?$")
_STAMP_FILL = "00000101000000"  # what a 4- to 13-digit stamp is completed with: the start of that period


class BadDatetime(ValueError):
    """An Accept-Datetime or memento timestamp that names no instant (a 400)."""


@dataclass(frozen=True)
class Memento:
    capture: Capture
    when: datetime  # the capture time, UTC, to the second

    @property
    def stamp(self) -> str:
        return timestamp14(self.capture.timestamp)


def http_date(when: datetime) -> str:
    """An instant as an RFC 1123 HTTP-date, ``Tue, 01 Dec 2026 23:05:04 GMT``."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime:
    """An ``Accept-Datetime`` value, which RFC 7089 makes an RFC 1123 date in GMT. Anything else —
    another zone, a two-digit year, a day that does not exist — is a :class:`BadDatetime`: a
    TimeGate that guessed would send the reader to a memento of another time without saying so."""
    m = _HTTP_DATE.match((value or "").strip())
    if not m:
        raise BadDatetime(f"Accept-Datetime must be an RFC 1123 date in GMT, like "
                          f"'Tue, 01 Dec 2026 23:05:04 GMT', not {value[:80]!r}")
    day, month, year, hh, mm, ss = m.groups()
    try:
        return datetime(int(year), _MONTHS.index(month) + 1, int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
    except ValueError as exc:
        raise BadDatetime(f"Accept-Datetime {value[:80]!r} is not a real instant: {exc}") from exc


def parse_stamp(stamp: str) -> tuple[datetime, bool]:
    """The ``{timestamp}`` of ``/memento/{timestamp}/{URL}``: 4 to 14 digits (a shorter one means
    the start of that year, month, day…), with pywb's ``id_`` suffix asking for the payload as
    archived, unrewritten. Returns the instant and whether ``id_`` was given."""
    m = _STAMP.match(stamp or "")
    if not m:
        raise BadDatetime("the memento timestamp must be 4 to 14 digits (YYYYMMDDhhmmss or a prefix), "
                          "optionally followed by id_")
    digits = m.group(1)
    digits += _STAMP_FILL[len(digits):]
    try:
        return datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC), bool(m.group(2))
    except ValueError as exc:
        raise BadDatetime(f"the memento timestamp {m.group(1)} is not a real instant") from exc


def _status(capture: Capture) -> int:
    try:
        return int(capture.status)
    except ValueError:
        return 0


def mementos(captures: Iterable[Capture]) -> list[Memento]:
    """The mementos among a URL's captures (oldest first; see the module docstring for which)."""
    captures = sorted(captures, key=lambda c: c.timestamp)
    originals: dict[str, Capture] = {}
    for c in captures:
        if c.mime != REVISIT:
            originals.setdefault(c.digest, c)
    out: list[Memento] = []
    seen: set[str] = set()
    for c in captures:
        second = timestamp14(c.timestamp)
        if second in seen:
            continue
        seen.add(second)
        replayed = originals.get(c.digest) if c.mime == REVISIT else c
        if replayed is not None and 200 <= _status(replayed) < 400:
            out.append(Memento(c, capture_time(c.timestamp)))
    return out


def nearest(found: list[Memento], when: datetime | None) -> Memento:
    """The memento closest in time to ``when`` (the later one of two equally close); the latest
    when ``when`` is None. ``found`` is oldest first and not empty."""
    if when is None:
        return found[-1]
    return min(reversed(found), key=lambda m: abs((m.when - when).total_seconds()))


def quoted(url: str) -> str:
    """A URL as it may stand in a path or between ``<…>`` in a Link header."""
    return quote(url, safe=URL_SAFE)


def memento_href(url: str, stamp: str, identity: bool = False) -> str:
    """``/memento/{14 digits}/{URL}``; with ``identity`` the ``id_`` form (the payload unrewritten)."""
    return f"/memento/{timestamp14(stamp)}{'id_' if identity else ''}/{quoted(url)}"


def timegate_href(url: str) -> str:
    return f"/timegate/{quoted(url)}"


def timemap_href(url: str) -> str:
    return f"/timemap/link/{quoted(url)}"


def _link(href: str, rel: str, **params: str) -> str:
    extra = "".join(f'; {name}="{value}"' for name, value in params.items())
    return f'<{href}>; rel="{rel}"{extra}'


def memento_links(original: str) -> str:
    """The ``Link`` header of a memento: its original, its TimeGate and its TimeMap."""
    return ", ".join([_link(quoted(original), "original"), _link(timegate_href(original), "timegate"),
                      _link(timemap_href(original), "timemap", type=LINK_FORMAT)])


def _memento_link(m: Memento, rels: list[str]) -> str:
    """A link to a memento: ``rel="first memento"``, ``"prev memento"``, … or just ``"memento"``."""
    return _link(memento_href(m.capture.url, m.stamp), " ".join([*rels, "memento"]), datetime=http_date(m.when))


def _ends(found: list[Memento]) -> dict[int, list[str]]:
    marks: dict[int, list[str]] = {0: ["first"]}
    marks.setdefault(len(found) - 1, []).append("last")
    return marks


def timegate_links(original: str, found: list[Memento], chosen: Memento) -> str:
    """The TimeGate's ``Link``: original, TimeMap, the memento chosen, its neighbours, first and last."""
    i = found.index(chosen)
    marks = _ends(found)
    marks.setdefault(i, [])
    for j, rel in ((i - 1, "prev"), (i + 1, "next")):
        if 0 <= j < len(found):
            marks.setdefault(j, []).append(rel)
    return ", ".join([_link(quoted(original), "original"), _link(timemap_href(original), "timemap", type=LINK_FORMAT),
                      *(_memento_link(found[j], marks[j]) for j in sorted(marks))])


def timemap(original: str, found: list[Memento]) -> str:
    """The TimeMap in link-format (RFC 6690, as RFC 7089 section 5 shows it): original, self (with
    from/until), TimeGate, then every memento oldest first, the first and last marked so."""
    span = {"from": http_date(found[0].when), "until": http_date(found[-1].when)}
    marks = _ends(found)
    return ",\n".join([_link(quoted(original), "original"),
                       _link(timemap_href(original), "self", type=LINK_FORMAT, **span),
                       _link(timegate_href(original), "timegate"),
                       *(_memento_link(m, marks.get(j, [])) for j, m in enumerate(found))]) + "\n"
