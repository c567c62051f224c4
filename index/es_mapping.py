"""Index template, analysis settings and mapping for the Elasticsearch backend.

The analyzers are custom chains built from stock Elasticsearch components (all in the
analysis-common module every production distribution ships) that reproduce ``index.analysis``
step for step, so the engine stores exactly the terms the embedded backend stores:

==========================  =============================================================
index.analysis              Elasticsearch
==========================  =============================================================
ٱ → ا, U+0670, ؤ ئ → ء      ``mapping`` char filter (Lucene's normalizer lacks these)
``_TOKEN_RE``               ``pattern`` tokenizer, group 0: letters, numbers, ``_``, BMP marks
``str.lower``               ``lowercase``
digit table                 ``decimal_digit``
``_ARABIC_TABLE``           ``arabic_normalization``
empty token dropped         ``length`` min 1 (a token of tashkeel/tatweel only)
``STOPWORDS`` (normalized)  ``stop`` with that same normalized list, after normalization
``STEM_RULES``              one ``pattern_replace`` filter per rule, the very same patterns
==========================  =============================================================

``akhbar_exact`` is the chain without the ``pattern_replace`` filters (the exact form). The root
form (ISRI, in Python only) is sent pre-analyzed, space-separated, in ``title_root`` and
``lead_root`` with the ``whitespace`` analyzer; like ``lead`` it is indexed but left out of
``_source``, so a stored document is exactly the Article.

``tests/test_elastic.py`` checks the engine and Python agree token for token through ``_analyze``.
Query terms are sent already analyzed (``term`` queries), so they are never stemmed twice.

Changing anything here or in ``index.analysis`` means a new mapping: bump ``MAPPING_VERSION`` (it
and ``ANALYZER_VERSION`` are recorded in the index ``_meta``) and run ``akhbar reindex``.
"""

from __future__ import annotations

from typing import Any

from index.analysis import ANALYZER_VERSION, STEM_RULES, STOPWORDS
from index.es_copies import copies_settings

MAPPING_VERSION = 9
ANALYZER = "akhbar_arabic"
EXACT_ANALYZER = "akhbar_exact"
DERIVED_FIELDS = ("lead", "title_root", "lead_root", "version_count")  # indexed, not kept in _source

# Python's ``\w`` is Unicode letters, numbers and "_"; index.analysis adds combining marks of the
# Basic Multilingual Plane only. Java's regex spells the same class with properties.
TOKEN_PATTERN = r"[\p{L}\p{N}_[\p{M}&&[\x{0}-\x{FFFF}]]]+"
_NORMALIZING = ["lowercase", "akhbar_digits", "akhbar_normalization", "akhbar_nonempty", "akhbar_stop"]


def _stem_filters() -> dict[str, dict[str, Any]]:
    return {f"akhbar_stem_{n}": {"type": "pattern_replace", "pattern": rule.pattern,
                                 "replacement": rule.java_replacement(), "all": False}
            for n, rule in enumerate(STEM_RULES)}


def analysis_settings() -> dict[str, Any]:
    stems = _stem_filters()
    return {
        "char_filter": {
            "akhbar_arabic_chars": {
                "type": "mapping",
                # alef wasla → alef; superscript (dagger) alef removed; hamza on waw or yeh → hamza,
                # as index.analysis does (Lucene's normalizer does none of these).
                "mappings": ["\u0671 => \u0627", "\u0670 => ", "\u0624 => \u0621", "\u0626 => \u0621"],
            },
        },
        "tokenizer": {
            "akhbar_words": {"type": "pattern", "pattern": TOKEN_PATTERN, "group": 0},
        },
        "filter": {
            "akhbar_digits": {"type": "decimal_digit"},
            "akhbar_normalization": {"type": "arabic_normalization"},
            "akhbar_nonempty": {"type": "length", "min": 1},
            "akhbar_stop": {"type": "stop", "stopwords": sorted(STOPWORDS), "ignore_case": False},
            **stems,
        },
        "analyzer": {
            ANALYZER: {
                "type": "custom",
                "char_filter": ["akhbar_arabic_chars"],
                "tokenizer": "akhbar_words",
                "filter": [*_NORMALIZING, *stems],
            },
            EXACT_ANALYZER: {
                "type": "custom",
                "char_filter": ["akhbar_arabic_chars"],
                "tokenizer": "akhbar_words",
                "filter": _NORMALIZING,
            },
        },
        "normalizer": {
            # Agency names are matched case-insensitively, like the embedded backend's lower().
            "akhbar_lower": {"type": "custom", "filter": ["lowercase"]},
        },
    }


def _keyword(**extra: Any) -> dict[str, Any]:
    return {"type": "keyword", **extra}


def mappings() -> dict[str, Any]:
    """Fields of ``core.record.Article`` (the whole article is kept in ``_source``).

    ``dynamic: false``: a new Article key is stored but not indexed until it is mapped here, so a
    crawler change can never make indexing fail. Title and body are searched; ``subtitle`` and
    ``text`` are copied into ``body`` and ``body_exact`` (BM25 over one body field, like the
    embedded backend's body columns) and not indexed on their own. ``lead`` and the root fields
    are filled by the backend from ``index.fields``.
    """
    arabic = {"type": "text", "analyzer": ANALYZER}
    return {
        "dynamic": False,
        "_meta": {"mapping_version": MAPPING_VERSION, "analyzer_version": ANALYZER_VERSION},
        "_source": {"excludes": list(DERIVED_FIELDS)},
        "properties": {
            "url": _keyword(),
            "canonical_url": _keyword(),
            "source": _keyword(),
            "title": {**arabic, "fields": {"raw": _keyword(ignore_above=1024),
                                           "exact": {"type": "text", "analyzer": EXACT_ANALYZER}}},
            "subtitle": {"type": "text", "index": False, "copy_to": ["body", "body_exact"]},
            "text": {"type": "text", "index": False, "copy_to": ["body", "body_exact"]},
            "body": arabic,
            "body_exact": {"type": "text", "analyzer": EXACT_ANALYZER},
            "lead": arabic,
            "title_root": {"type": "text", "analyzer": "whitespace"},
            "lead_root": {"type": "text", "analyzer": "whitespace"},
            "published": {"type": "date"},
            "modified": {"type": "date"},
            "fetched": {"type": "date"},
            "date_source": _keyword(),
            "text_source": _keyword(),
            "authors": _keyword(),
            "section": _keyword(),
            "tags": _keyword(),
            "agencies": _keyword(normalizer="akhbar_lower"),
            "original_source": _keyword(),
            "language": _keyword(),
            "image": _keyword(index=False, doc_values=False),
            "content_hash": _keyword(),
            "versions": {"type": "object", "enabled": False},  # kept in _source (index.versions), not searched
            "version_count": {"type": "integer"},
            "live": _keyword(),  # index.liveness
            "removed_since": {"type": "date"},
            "redirected_to": _keyword(index=False, doc_values=False),
            "story_id": _keyword(),  # index.stories
            "story_similarity": {"type": "float"},
            "story_sketch": {"properties": {"bands": _keyword(), "sig": _keyword(index=False, doc_values=False),
                                            "founded": {"type": "date", "index": False}}},
            "warc": {
                "properties": {
                    "file": _keyword(),
                    "offset": {"type": "long"},
                    "length": {"type": "long"},
                    "record_id": _keyword(),
                },
            },
        },
    }


def index_settings(replicas: str = "0-1", shards: int = 1) -> dict[str, Any]:
    """One shard is plenty for a news archive of millions of articles (docs/search-cluster.md);
    by default replicas expand with nodes, so one node is green and two keep a copy each."""
    return {
        **copies_settings(replicas, shards),
        "analysis": analysis_settings(),
    }


def index_template(pattern: str, priority: int = 200, *, replicas: str = "0-1", shards: int = 1) -> dict[str, Any]:
    """Body for ``PUT _index_template/NAME``: applies to every versioned index of one prefix. The
    template is put again whenever a backend opens, so new shard and replica settings reach the
    next version an ``akhbar reindex`` builds (replicas can also be changed live on the index)."""
    return {
        "index_patterns": [pattern],
        "priority": priority,
        "template": {"settings": index_settings(replicas, shards), "mappings": mappings()},
        "_meta": {"mapping_version": MAPPING_VERSION, "analyzer_version": ANALYZER_VERSION,
                  "managed_by": "akhbar"},
    }
