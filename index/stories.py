"""One story, many outlets: copies of an article across sites share a ``story_id``.

Arab news is full of wire copy and aggregators republishing others; a reader wants one result per
story and to see who carried it and who copied it. Detection works on what search indexes — the
body's stems (``index.analysis``: normalized, clitics and suffixes off, stop words out) — so a
dateline «دمشق - سانا», a changed headline or an agency trailer barely move it:

- **Similarity** of two bodies is the mean of the Jaccard similarity of their sets of stems and of
  their sets of adjacent stem pairs: the first survives reworded sentences, the second tells a
  copy from another story on the same subject (which shares vocabulary, not phrasing). Both are
  estimated from MinHash signatures (datasketch, ``NUM_PERM`` permutations each), so comparing two
  articles never needs their texts.
- **Candidates** come from locality-sensitive hashing: the stem signature cut into ``BANDS`` bands
  of ``ROWS`` rows, each band a key the backend indexes (an SQLite table, an engine keyword field).
  A new article is compared only with the articles sharing a band key — sub-linear in the archive.
  ``BANDS``/``ROWS`` are datasketch's optimal parameters for ``CANDIDATE_THRESHOLD`` (a test checks
  them), well below ``THRESHOLD`` so that nearly every true copy is a candidate.
- **Assignment**: an article joins the story of its most similar candidate at or above
  ``THRESHOLD``, if that story was founded within ``WINDOW_DAYS`` of the article's publication,
  else founds its own; a story is never merged into another. The window bounds chains: copies of
  copies join, but a month of bulletins written from one template does not become one story.
  ``THRESHOLD`` was chosen on ``bench.syndication`` (README): synthetic copies of SaudiNewsNet
  articles made with the edits copy desks make (datelines, trailers, dropped or moved paragraphs,
  10–20 % of the words changed), against articles of one outlet published days apart (recurring
  bulletins written from one template: different events).

The origin of a story is its earliest published member; copies are ``verbatim`` at
``VERBATIM`` or more, else ``edited``. Both backends assign stories at upsert from what they hold
and what arrives (a batch's articles are matched with each other too), so ``akhbar reindex``
rebuilds the same groups from the WARC files alone (the founding member — and so the id — is the
first one in archive order).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import Any

from core.record import Article
from index.analysis import analyze
from index.base import article_key
from index.dates import to_utc
from index.fields import IndexTerms, body_text, precomputed_terms

logger = logging.getLogger(__name__)

NUM_PERM = 128
CANDIDATE_THRESHOLD = 0.3
BANDS, ROWS = 37, 3  # datasketch.lsh._optimal_param(CANDIDATE_THRESHOLD, NUM_PERM, 0.5, 0.5)
THRESHOLD = 0.5
VERBATIM = 0.9
WINDOW_DAYS = 3  # a copy is published within this many days of its story's founder (when both are dated)
MIN_TERMS = 25  # fewer body stems than this: too short to tell a copy from a coincidence
SEED = 1
SCHEME = "affine32"  # datasketch's permutation scheme: stored sketches are only comparable within one


@lru_cache(maxsize=1)
def _template() -> Any:
    """One MinHash whose permutations every signature reuses (generating them costs more than
    hashing an article). datasketch pulls in numpy and scipy: imported when first needed."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)


def _signature(items: Iterable[bytes]) -> Any:
    from datasketch import MinHash

    template = _template()
    sig = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=template.permutations, scheme=SCHEME)
    sig.update_batch(list(items))
    return sig.hashvalues.astype("<u4")  # values are below 2**32 (datasketch masks them)


@dataclass(frozen=True)
class Sketch:
    """The two MinHash signatures of an article's body and its LSH band keys."""

    words: Any  # numpy uint32[NUM_PERM]: signature of the set of stems
    pairs: Any  # numpy uint32[NUM_PERM]: signature of the set of adjacent stem pairs
    bands: tuple[str, ...] = field(default=())

    def similarity(self, other: Sketch) -> float:
        """Estimated mean of the two Jaccard similarities."""
        return float(((self.words == other.words).mean() + (self.pairs == other.pairs).mean()) / 2)

    @cached_property
    def band_ints(self) -> tuple[int, ...]:
        """The band keys as the embedded backend's integers (:func:`band_int`), made once per sketch
        (the lookup and the store both need them)."""
        return tuple(band_int(b) for b in self.bands)

    def encode(self) -> str:
        """Both signatures as one base64 string (what the backends store beside the bands)."""
        return base64.b64encode(self.words.tobytes() + self.pairs.tobytes()).decode("ascii")

    @classmethod
    def decode(cls, value: str) -> Sketch:
        """The signatures from ``encode``, without band keys (enough to compare with)."""
        import numpy as np

        sig = np.frombuffer(base64.b64decode(value), dtype="<u4")
        return cls(sig[:NUM_PERM], sig[NUM_PERM:2 * NUM_PERM])

    @classmethod
    def restore(cls, value: str) -> Sketch:
        """A sketch from ``encode``, its band keys derived again (what crosses from a worker)."""
        got = cls.decode(value)
        return cls(got.words, got.pairs, _bands(got.words))


def stems(article: Article) -> list[str]:
    """The body's stem terms, as the index stores them (an extraction worker may have computed them)."""
    terms = precomputed_terms(article)
    if terms is not None:
        return terms.body.split()
    return analyze(body_text(article))


def sketch(article: Article, terms: IndexTerms | None = None) -> Sketch | None:
    """The article's sketch, or None when its body is too short to group (or, logged, cannot be
    sketched at all: such a record is simply not grouped). ``terms``: its index terms when the
    caller has them; the sketch an extraction worker made rides along in them."""
    try:
        terms = terms or precomputed_terms(article)
        if terms is not None and terms.sketch:
            return Sketch.restore(terms.sketch)
        return sketch_of_stems(terms.body.split() if terms is not None else stems(article))
    except Exception:
        logger.warning("no story sketch for %s", article.get("url"), exc_info=True)
        return None


def sketch_of_stems(terms: list[str]) -> Sketch | None:
    if len(terms) < MIN_TERMS:
        return None
    words = _signature(t.encode("utf-8") for t in set(terms))
    pairs = _signature(f"{a} {b}".encode() for a, b in set(pairwise(terms)))
    return Sketch(words, pairs, _bands(words))


def _bands(words: Any) -> tuple[str, ...]:
    return tuple(f"{i:02d}" + hashlib.blake2b(words[i * ROWS:(i + 1) * ROWS].tobytes(), digest_size=8).hexdigest()
                 for i in range(BANDS))


def band_int(band: str) -> int:
    """A band key as a signed 64-bit integer (the embedded backend's indexed column)."""
    return int.from_bytes(hashlib.blake2b(band.encode("ascii"), digest_size=8).digest(), "big", signed=True)


def new_story_id(key: str) -> str:
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Member:
    """An article already in a story, as a candidate for a new one to join."""

    key: str
    story_id: str
    sketch: Sketch
    founded: str | None = None  # when the story's founding article was published (naive UTC, to_utc)


@dataclass(frozen=True)
class Assignment:
    story_id: str
    similarity: float  # to the member it joined (1.0 for the article founding its story)
    matched: str | None = None  # that member's key
    founded: str | None = None  # when the story's founding article was published


def _utc(value: str | None) -> str | None:
    """``published`` as a naive UTC ``YYYY-MM-DDThh:mm:ss`` (what founding times are kept as: they
    compare as strings), or None when missing or unparseable."""
    try:
        return to_utc(value) if value else None
    except (TypeError, ValueError, OverflowError):
        return None


def assign(key: str, art_sketch: Sketch | None, candidates: Iterable[Member],
           published: str | None = None) -> Assignment:
    """The story ``key`` belongs to: that of its most similar candidate at ``THRESHOLD`` or more
    whose story was founded within ``WINDOW_DAYS`` of it (when both dates are known), else its own."""
    when = _utc(published)
    lo = hi = None
    if when is not None:
        moment = datetime.fromisoformat(when)
        lo, hi = ((moment + timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%S") for d in (-WINDOW_DAYS, WINDOW_DAYS))
    usable = [m for m in candidates if m.key != key and (lo is None or not m.founded or lo <= m.founded <= hi)]
    if art_sketch is None or not usable:
        return Assignment(new_story_id(key), 1.0, founded=when)
    import numpy as np

    words = np.stack([m.sketch.words for m in usable])
    pairs = np.stack([m.sketch.pairs for m in usable])
    sims = ((words == art_sketch.words).mean(axis=1) + (pairs == art_sketch.pairs).mean(axis=1)) / 2
    best = int(sims.argmax())
    if sims[best] < THRESHOLD:
        return Assignment(new_story_id(key), 1.0, founded=when)
    member = usable[best]
    return Assignment(member.story_id, round(float(sims[best]), 4), member.key, member.founded)


class BatchStories:
    """Story assignment for one upsert batch: each arriving article is matched with the stored
    candidates the backend found for it and with the batch's earlier articles (a reindex batch holds
    many outlets' copies of one story)."""

    def __init__(self) -> None:
        self._by_band: dict[str, list[Member]] = {}

    def assign(self, key: str, art_sketch: Sketch | None, stored: Iterable[Member],
               published: str | None = None) -> Assignment:
        local: dict[str, Member] = {}
        if art_sketch is not None:
            for band in art_sketch.bands:
                for member in self._by_band.get(band, ()):
                    local[member.key] = member
        found = assign(key, art_sketch, [*stored, *local.values()], published)
        if art_sketch is not None:
            me = Member(key, found.story_id, art_sketch, found.founded)
            for band in art_sketch.bands:
                self._by_band.setdefault(band, []).append(me)
        return found


def story_fields(found: Assignment) -> dict[str, Any]:
    """What an article record carries of its story."""
    return {"story_id": found.story_id, "story_similarity": found.similarity}


def story_key(article: Article) -> str:
    """What search collapses on: the story, else the article itself."""
    return article.get("story_id") or article_key(article)
