"""Stock Elasticsearch: the simplest thing a user could do instead of Akhbar's search.

One index (``akhbar-bench-stock``) with title and text as ``text`` fields on the engine's built-in
``arabic`` analyzer, filled with ``elasticsearch.helpers.bulk``, and queried with a plain
``multi_match`` (best_fields, operator OR) over ``title^3`` and ``text``. No custom analysis, no
query parsing: if Akhbar's own pipeline does not beat this, it is not earning its complexity.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

from elasticsearch import Elasticsearch, helpers

from bench.engines import es_url
from core.record import Article
from index.backends import es_client_options
from index.base import SearchQuery

INDEX = "akhbar-bench-stock"
FIELDS = ["title^3", "text"]
MAPPING: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "canonical_url": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "arabic"},
        "text": {"type": "text", "analyzer": "arabic"},
    },
}


class StockElastic:
    """The baseline index and its query; ``search`` answers with canonical URLs, best first."""

    def __init__(self, client: Elasticsearch | None = None) -> None:
        self.es = client or Elasticsearch(es_url(), request_timeout=120, **es_client_options(os.environ))

    def _holds(self, n: int) -> bool:
        """Whether the index exists with this mapping and exactly ``n`` documents (an earlier run)."""
        if not self.es.indices.exists(index=INDEX):
            return False
        props = self.es.indices.get_mapping(index=INDEX)[INDEX]["mappings"].get("properties", {})
        if props != MAPPING["properties"]:
            return False
        self.es.indices.refresh(index=INDEX)
        return self.es.count(index=INDEX)["count"] == n

    def ensure(self, articles: list[Article], rebuild: bool = False) -> None:
        """Reuse the index when it already holds the corpus, else recreate and bulk-load it."""
        if not rebuild and self._holds(len(articles)):
            return
        self.es.indices.delete(index=INDEX, ignore_unavailable=True)
        self.es.indices.create(index=INDEX, mappings=MAPPING,
                               settings={"number_of_shards": 1, "number_of_replicas": 0})
        _indexed, errors = helpers.bulk(self.es, _actions(articles), chunk_size=500, raise_on_error=False,
                                  max_retries=5, initial_backoff=1)
        if errors:
            raise SystemExit(f"stock index: {len(errors)} document(s) rejected, e.g. {errors[0]}")
        self.es.indices.refresh(index=INDEX)

    def search(self, query: SearchQuery) -> list[str]:
        if not query.text.strip():
            return []
        resp = self.es.search(index=INDEX, size=query.per_page, source=["canonical_url"],
                              query={"multi_match": {"query": query.text, "fields": FIELDS,
                                                     "type": "best_fields", "operator": "or"}})
        return [h["_source"]["canonical_url"] for h in resp["hits"]["hits"]]


def _actions(articles: list[Article]) -> Iterator[dict[str, Any]]:
    for art in articles:
        url = art["canonical_url"]
        yield {"_index": INDEX, "_id": hashlib.sha1(url.encode("utf-8")).hexdigest(),
               "_source": {"canonical_url": url, "title": art.get("title", ""), "text": art.get("text", "")}}
