"""Search with one result per story: an outlet's article stands for every copy of it.

Works the same over either backend (the equivalent of the engine's field collapsing, done once for
both): the ranked results are read from the top until the page holds enough distinct stories; the
earliest published of a story's matching articles (its origin, unless a filter left it out) stands
for it at the rank of its best-matching article, and the story's other articles come with it
(``SearchHit.copies``, earliest published first) so a page can say «نُشر أيضاً في …». The total
stays the number of matching articles, as the engine's own collapsing reports it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.record import Article
from index.base import MAX_PER_PAGE, SearchBackend, SearchHit, SearchPage, SearchQuery
from index.base import article_key as _key
from index.stories import VERBATIM, sketch, story_key

_READ_AHEAD = 2  # articles read per story wanted: copies are a minority of any result list


def search_stories(backend: SearchBackend, query: SearchQuery) -> SearchPage:
    """``backend.search(query)``, collapsed by story when ``query.collapse`` is set."""
    if not query.collapse:
        return backend.search(query)
    offset, per_page = query.window()
    want = offset + per_page
    chunk = min(MAX_PER_PAGE, max(20, want * _READ_AHEAD))
    groups: dict[str, list[SearchHit]] = {}
    page_no, total = 1, 0
    while True:
        got = backend.search(replace(query, page=page_no, per_page=chunk, collapse=False))
        total = got.total
        for hit in got.hits:
            groups.setdefault(story_key(hit.article), []).append(hit)
        if len(groups) >= want or not got.hits or page_no * chunk >= got.total:
            break
        page_no += 1
    shown = list(groups.values())[offset:want]
    members = backend.members([hits[0].article["story_id"] for hits in shown if hits[0].article.get("story_id")])
    return SearchPage(total=total, hits=[_story_hit(hits, members.get(hits[0].article.get("story_id") or "", []))
                                         for hits in shown], query=query)


def _story_hit(hits: list[SearchHit], members: list[Article]) -> SearchHit:
    """A story's result, at the rank its best-matching article earned: the earliest published of its
    articles the search matched (filters included: a filter on one outlet shows that outlet's copy)
    stands for it, and the story's other articles are its copies."""
    matched = {_key(h.article): h for h in hits}
    shown = next((matched[_key(m)] for m in members if _key(m) in matched), hits[0])
    if shown is not hits[0]:
        shown = SearchHit(article=shown.article, score=hits[0].score, snippet=shown.snippet, missing=shown.missing)
    shown.copies = [m for m in members if _key(m) != _key(shown.article)]
    return shown


def copy_summary(article: Article) -> dict[str, Any]:
    """What a result says of one of its copies: where, when, under which headline, how similar."""
    return {k: article.get(k) for k in ("url", "canonical_url", "source", "title", "published", "story_similarity")}


def describe(story_id: str, members: list[Article]) -> dict[str, Any]:
    """A story as ``/api/story`` gives it: its articles earliest first, the first being the origin,
    each with its similarity to the origin and whether it is a verbatim or an edited copy, and the
    syndication evidence it carries (credited original source, agencies)."""
    origin = sketch(members[0]) if members else None
    out = []
    for n, member in enumerate(members):
        own = sketch(member) if n else origin
        similarity = 1.0 if not n else round(own.similarity(origin), 4) if own and origin else None
        kind = "origin" if not n else "verbatim" if similarity is not None and similarity >= VERBATIM else "edited"
        out.append({**copy_summary(member), "fetched": member.get("fetched"), "similarity": similarity, "kind": kind,
                    "original_source": member.get("original_source") or "", "agencies": member.get("agencies") or []})
    return {"story_id": story_id, "origin": out[0] if out else None, "articles": out}
