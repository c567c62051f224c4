"""What both backends index for an article: headline, lead and body in exact and stem form, and
the roots (and long words' skeletons, ``index.analysis``) of the headline and lead.

The lead (the subtitle and the first ``LEAD_TOKENS`` words of the text) is indexed on its own as
well as inside the body, so a query word in the opening lines ranks above one deep in the story —
news is written with the essentials first. Roots are kept for the headline and lead only: there a
derivation of a query word is almost always about the same thing, while a long body holds some
word of nearly every common root by chance (roots over whole bodies made unrelated stories match
every word of a query).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.record import Article
from index.analysis import _TOKEN_RE, aggressive_terms, analyze, analyze_forms, skeletons_of

LEAD_TOKENS = 40
# How much a query word counts in each field and form, for both backends (the embedded backend's
# FTS5 columns, the engine's fields): a word in the headline says more than one in the lead, which
# says more than one deep in the body; an exact form adds to its stem's weight, a root-only match
# counts for little.
FIELD_WEIGHTS: dict[str, float] = {
    "title": 10.0, "lead": 4.0, "body": 1.0,
    "title_x": 5.0, "body_x": 0.5,
    "title_r": 2.0, "lead_r": 0.5,
}


def body_text(article: Article) -> str:
    """Subtitle and text, the body both backends search."""
    return "\n".join(p for p in (article.get("subtitle") or "", article.get("text") or "") if p)


def lead_text(body: str) -> str:
    """The start of ``body`` up to the end of its ``LEAD_TOKENS``-th token."""
    end = 0
    for n, m in enumerate(_TOKEN_RE.finditer(body), start=1):
        end = m.end()
        if n >= LEAD_TOKENS:
            break
    return body[:end]


def derived_fields(article: Article) -> dict[str, str]:
    """What the Elasticsearch backend indexes beside the article (it analyzes the rest itself): the
    lead, and the root and skeleton forms only Python computes."""
    lead = lead_text(body_text(article))
    return {"lead": lead, "title_root": " ".join(aggressive_terms(article.get("title") or "")),
            "lead_root": " ".join(aggressive_terms(lead))}


@dataclass(frozen=True)
class IndexTerms:
    """Space-joined terms per field, as the embedded backend stores them (and roots for the engine)."""

    title: str
    lead: str
    body: str
    title_exact: str
    body_exact: str
    title_root: str
    lead_root: str


def index_terms(article: Article) -> IndexTerms:
    title = article.get("title") or ""
    title_exact, title_stem, title_root = analyze_forms(title)
    body = body_text(article)
    body_exact, body_stem, _ = analyze_forms(body, roots=False)
    lead = lead_text(body)
    lead_stem, lead_root = analyze(lead), aggressive_terms(lead)
    title_root += skeletons_of(title)
    return IndexTerms(
        title=" ".join(title_stem), lead=" ".join(lead_stem), body=" ".join(body_stem),
        title_exact=" ".join(title_exact), body_exact=" ".join(body_exact),
        title_root=" ".join(title_root), lead_root=" ".join(lead_root),
    )
