"""Whether an archived article is still on its site, as the index keeps it for filters and facets.

What became of a page is read from its captures, newest last: every answer the crawl got is
archived (a 404 is evidence too). The index keeps the result of that reading on the article itself
— ``live`` (one of ``LIVE``), ``removed_since`` (the first of the run of 404/410 answers the
captures end with) and ``redirected_to`` — so a search can ask for removed stories and count them
by status on both backends. ``akhbar check-live`` updates it answer by answer (``apply``), and
``akhbar reindex`` folds every archived answer again (``fold``): the same rule either way, so the
index can always be rebuilt from the WARC files.

``changed`` is not a liveness state but a search status: an article with more than one version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.record import Article

LIVE = ("alive", "redirected", "gone", "blocked", "error")
# What a search can filter on (``SearchQuery.status``) and the status facet counts: the liveness
# states, and ``changed`` for articles edited since first archived (more than one version).
STATUSES = ("alive", "changed", "redirected", "gone", "blocked", "error")
GONE, BLOCKED = ("404", "410"), ("401", "403", "451")


@dataclass(frozen=True)
class LiveState:
    """One reading of a page: its state, since when it has been in it (ISO 8601 UTC), where a
    redirect pointed."""

    live: str
    since: str = ""
    redirected_to: str | None = None


def to_second(when: str | None = None) -> str:
    """An ISO 8601 instant (now when None) as ``YYYY-MM-DDThh:mm:ssZ``, the form readings keep
    whether they come from a crawl's WARC-Date or a CDXJ timestamp."""
    moment = datetime.fromisoformat(when) if when else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def classify(status: str | int) -> str:
    """The state an HTTP status shows (a revisit record's ``-`` or a 304 is the page still there)."""
    code = str(status)
    if code in GONE:
        return "gone"
    if code in BLOCKED:
        return "blocked"
    if code.startswith("3") and code != "304":
        return "redirected"
    if code.startswith(("4", "5")):
        return "error"
    return "alive"


def fold(answers: Iterable[tuple[str, str | int]]) -> LiveState:
    """The state of a page from its archived answers ``(time, status)``, oldest first: the newest
    answer's, since the first of the run of answers in that state it ends with."""
    state = LiveState("alive")
    for when, status in answers:
        live = classify(status)
        if live != state.live or not state.since:
            state = LiveState(live, when)
    return state


def apply(doc: Article, state: LiveState) -> Article:
    """``doc`` with a new reading: a page already gone keeps the date it was first seen gone."""
    out: dict[str, Any] = dict(doc)
    was_gone = out.get("live") == "gone" and out.get("removed_since")
    out["live"] = state.live if state.live in LIVE else "error"
    if state.live == "gone":
        out["removed_since"] = out["removed_since"] if was_gone else (state.since or None)
    else:
        out["removed_since"] = None
    out["redirected_to"] = state.redirected_to if state.live == "redirected" else None
    return out  # type: ignore[return-value]


def fresh(doc: Article) -> Article:
    """An article arriving from a capture with text: the page answered, so it is alive."""
    return apply(doc, LiveState("alive"))


def version_count(doc: Mapping[str, Any]) -> int:
    return max(1, len(doc.get("versions") or []))
