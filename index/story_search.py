"""Search with one result per story: an outlet's article stands for every copy of it.

Works the same over either backend (the equivalent of the engine's field collapsing, done once for
both): the ranked results are read from the top until the page holds enough distinct stories, the
best-ranked article of each story stands for it, and the story's other articles come with it
(``SearchHit.copies``, earliest published first) so a page can say «نُشر أيضاً في …». The total
stays the number of matching articles, as the engine's own collapsing reports it.
"""

from __future__ import annotations

from dataclasses import replace

from core.record import Article
from index.base import MAX_PER_PAGE, SearchBackend, SearchHit, SearchPage, SearchQuery
from index.stories import story_key

_READ_AHEAD = 2  # articles read per story wanted: copies are a minority of any result list


def search_stories(backend: SearchBackend, query: SearchQuery) -> SearchPage:
    """``backend.search(query)``, collapsed by story when ``query.collapse`` is set."""
    if not query.collapse:
        return backend.search(query)
    offset, per_page = query.window()
    want = offset + per_page
    chunk = min(MAX_PER_PAGE, max(20, want * _READ_AHEAD))
    groups: dict[str, SearchHit] = {}
    page_no, total = 1, 0
    while True:
        got = backend.search(replace(query, page=page_no, per_page=chunk, collapse=False))
        total = got.total
        for hit in got.hits:
            groups.setdefault(story_key(hit.article), hit)
        if len(groups) >= want or not got.hits or page_no * chunk >= got.total:
            break
        page_no += 1
    hits = list(groups.values())[offset:want]
    members = backend.members([h.article["story_id"] for h in hits if h.article.get("story_id")])
    for hit in hits:
        own = _key(hit.article)
        hit.copies = [m for m in members.get(hit.article.get("story_id") or "", []) if _key(m) != own]
    return SearchPage(total=total, hits=hits, query=query)


def _key(article: Article) -> str:
    return article.get("canonical_url") or article.get("url") or ""
