"""What an extracted article lacks, named the same way by the crawl and by source health.

The extraction pipeline counts each article's shortcomings into the crawl's stats (so every crawl
report says how many of its articles came out with a short body, no date or no author), and
``akhbar.health`` judges the newest indexed articles by the same rule. A site's template change
rarely makes extraction fail outright: it leaves the headline and the breadcrumbs, so a body under
``SHORT_BODY`` characters counts as empty — a news brief is longer than that, a menu line is not.
"""

from __future__ import annotations

from core.record import Article

SHORT_BODY = 200  # characters of story text under which a body counts as empty
SHORTCOMINGS = ("short_body", "no_date", "no_author")


def shortcomings(article: Article) -> list[str]:
    """The ``SHORTCOMINGS`` of ``article``, in that order."""
    found = {"short_body": len((article.get("text") or "").strip()) < SHORT_BODY,
             "no_date": not article.get("published"), "no_author": not article.get("authors")}
    return [name for name in SHORTCOMINGS if found[name]]
