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

import hashlib
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


@dataclass(frozen=True)
class IndexTerms:
    """Space-joined terms per field, as the embedded backend stores them; the lead text and the
    root fields are what the Elasticsearch backend sends beside the article (``derived_fields``).
    ``key`` names the text they were computed from (``analysis_key``), so a copy computed elsewhere
    (an extraction worker) is only used for the very article it was computed for."""

    key: str
    title: str
    lead: str
    body: str
    title_exact: str
    body_exact: str
    title_root: str
    lead_root: str
    lead_text: str
    sketch: str = ""  # the body's story sketch (index.stories.Sketch.encode), when a worker made it


class AnalyzedArticle(dict):
    """An article record that carries the index terms an extraction worker computed for it, so the
    crawl process (one core, the bottleneck of a crawl) does not analyze the text a second time.

    To everything else it is the plain record: equal to it, JSON the same, and a copy (``dict(a)``)
    or a changed text simply loses the terms (``precomputed_terms`` checks the key), which are
    then computed where they are needed, as before."""

    __slots__ = ("terms",)

    def __init__(self, article: Article, terms: IndexTerms | None) -> None:
        super().__init__(article)
        self.terms = terms


def analysis_key(article: Article) -> str:
    """A digest of the fields the index analyzes (title, subtitle, text)."""
    joined = "\x00".join(article.get(f) or "" for f in ("title", "subtitle", "text"))
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def precomputed_terms(article: Article) -> IndexTerms | None:
    """The terms an ``AnalyzedArticle`` carries, if they are of its present text."""
    terms = getattr(article, "terms", None)
    return terms if terms is not None and terms.key == analysis_key(article) else None


def derived_fields(article: Article) -> dict[str, str]:
    """What the Elasticsearch backend indexes beside the article (it analyzes the rest itself): the
    lead, and the root and skeleton forms only Python computes."""
    terms = precomputed_terms(article)
    if terms is not None:
        return {"lead": terms.lead_text, "title_root": terms.title_root, "lead_root": terms.lead_root}
    lead = lead_text(body_text(article))
    return {"lead": lead, "title_root": " ".join(aggressive_terms(article.get("title") or "")),
            "lead_root": " ".join(aggressive_terms(lead))}


def index_terms(article: Article) -> IndexTerms:
    """Every field's terms: the precomputed ones when the article carries them, else computed."""
    terms = precomputed_terms(article)
    return terms if terms is not None else compute_terms(article)


def compute_terms(article: Article) -> IndexTerms:
    title = article.get("title") or ""
    title_exact, title_stem, title_root = analyze_forms(title)
    body = body_text(article)
    body_exact, body_stem, _ = analyze_forms(body, roots=False)
    lead = lead_text(body)
    lead_stem, lead_root = analyze(lead), aggressive_terms(lead)
    title_root += skeletons_of(title)
    return IndexTerms(
        key=analysis_key(article),
        title=" ".join(title_stem), lead=" ".join(lead_stem), body=" ".join(body_stem),
        title_exact=" ".join(title_exact), body_exact=" ".join(body_exact),
        title_root=" ".join(title_root), lead_root=" ".join(lead_root), lead_text=lead,
    )
