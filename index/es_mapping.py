"""Index template, analysis settings and mapping for the Elasticsearch backend.

The analyzer is a custom chain built from stock Elasticsearch components (all in the
analysis-common module every production distribution ships) that reproduces ``index.analysis``
step for step, so the engine stores exactly the terms the embedded backend stores:

==========================  =============================================================
index.analysis              Elasticsearch
==========================  =============================================================
(translate: ٱ → ا, U+0670)  ``mapping`` char filter (Lucene's normalizer lacks both)
``_TOKEN_RE``               ``pattern`` tokenizer, group 0: letters, numbers, ``_``, BMP marks
``str.lower``               ``lowercase``
digit table                 ``decimal_digit``
``_ARABIC_TABLE``           ``arabic_normalization``
empty token dropped         ``length`` min 1 (a token of tashkeel/tatweel only)
``STOPWORDS`` (normalized)  ``stop`` with that same normalized list, after normalization
``stem``                    ``arabic_stem`` (Lucene's ArabicStemmer, which ``stem`` mirrors)
==========================  =============================================================

``tests/test_elastic.py`` checks the two agree token for token through the ``_analyze`` API.
Query terms are sent already analyzed (``term`` queries), so they are never stemmed twice.

Changing anything here or in ``index.analysis`` means a new mapping: bump ``MAPPING_VERSION`` (it
and ``ANALYZER_VERSION`` are recorded in the index ``_meta``) and run ``akhbar reindex``.
"""

from __future__ import annotations

from typing import Any

from index.analysis import ANALYZER_VERSION, STOPWORDS

MAPPING_VERSION = 1
ANALYZER = "akhbar_arabic"

# Python's ``\w`` is Unicode letters, numbers and "_"; index.analysis adds combining marks of the
# Basic Multilingual Plane only. Java's regex spells the same class with properties.
TOKEN_PATTERN = r"[\p{L}\p{N}_[\p{M}&&[\x{0}-\x{FFFF}]]]+"


def analysis_settings() -> dict[str, Any]:
    return {
        "char_filter": {
            "akhbar_arabic_chars": {
                "type": "mapping",
                # alef wasla → alef; superscript (dagger) alef removed, as index.analysis does.
                "mappings": ["\u0671 => \u0627", "\u0670 => "],
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
            "akhbar_stem": {"type": "arabic_stem"},
        },
        "analyzer": {
            ANALYZER: {
                "type": "custom",
                "char_filter": ["akhbar_arabic_chars"],
                "tokenizer": "akhbar_words",
                "filter": ["lowercase", "akhbar_digits", "akhbar_normalization", "akhbar_nonempty",
                           "akhbar_stop", "akhbar_stem"],
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
    """Fields of ``akhbar.record.Article`` (the whole article is kept in ``_source``).

    ``dynamic: false``: a new Article key is stored but not indexed until it is mapped here, so a
    crawler change can never make indexing fail. Title and body are searched; ``subtitle`` and
    ``text`` are copied into ``body`` (BM25 over one body field, like the embedded backend's
    body column) and not indexed on their own.
    """
    arabic = {"type": "text", "analyzer": ANALYZER}
    return {
        "dynamic": False,
        "_meta": {"mapping_version": MAPPING_VERSION, "analyzer_version": ANALYZER_VERSION},
        "properties": {
            "url": _keyword(),
            "canonical_url": _keyword(),
            "source": _keyword(),
            "title": {**arabic, "fields": {"raw": _keyword(ignore_above=1024)}},
            "subtitle": {"type": "text", "index": False, "copy_to": "body"},
            "text": {"type": "text", "index": False, "copy_to": "body"},
            "body": arabic,
            "published": {"type": "date"},
            "modified": {"type": "date"},
            "fetched": {"type": "date"},
            "date_source": _keyword(),
            "authors": _keyword(),
            "section": _keyword(),
            "tags": _keyword(),
            "agencies": _keyword(normalizer="akhbar_lower"),
            "original_source": _keyword(),
            "language": _keyword(),
            "image": _keyword(index=False, doc_values=False),
            "content_hash": _keyword(),
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


def index_settings(replicas: str = "0-1") -> dict[str, Any]:
    """One shard is plenty for a news archive of millions of articles; replicas expand with nodes."""
    return {
        "number_of_shards": 1,
        "auto_expand_replicas": replicas,
        "analysis": analysis_settings(),
    }


def index_template(pattern: str, priority: int = 200) -> dict[str, Any]:
    """Body for ``PUT _index_template/NAME``: applies to every versioned index of one prefix."""
    return {
        "index_patterns": [pattern],
        "priority": priority,
        "template": {"settings": index_settings(), "mappings": mappings()},
        "_meta": {"mapping_version": MAPPING_VERSION, "analyzer_version": ANALYZER_VERSION,
                  "managed_by": "akhbar"},
    }
