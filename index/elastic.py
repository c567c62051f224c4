"""The Elasticsearch backend: the same SearchBackend contract as the embedded one, on a real engine.

Index layout (prefix ``akhbar`` by default):

- ``akhbar-articles-vN``: versioned indexes, created from the ``akhbar-articles`` index template
  (analysis and mapping in ``index.es_mapping``);
- alias ``akhbar-articles``: what searches read;
- alias ``akhbar-articles-write``: what upserts write.

``clear()`` creates the next version and moves both aliases to it in one atomic ``_aliases``
call, then deletes the old index, so there is never a moment without an index to query.
``begin_rebuild()`` / ``finish_rebuild()`` split that in two for a true blue/green rebuild:
writes go to the new index while searches keep reading the old one until the swap.

Documents are keyed by the canonical URL (``_id`` = SHA-1 of it); an ``mget`` of the stored
content hashes decides indexed / updated / unchanged before anything is written. Bulk writes go
through ``helpers.streaming_bulk`` with retries and backoff on 429s, and every item the engine
rejects comes back in ``UpsertResult.failed`` with its reason.

Queries are built as JSON from ``index.query.parse_query``: each word group is a ``bool`` of
``term`` queries on its analyzed forms (stem on headline, lead and body, exact and root forms at
their own weights, spelling variants), wrapped with a named ``constant_score`` worth
``index.query.COORD`` so documents rank by groups matched, then BM25 — as in the embedded
backend. The groups sit in a ``minimum_should_match`` bool whose requirement drops a group at a
time until something matches; quoted phrases are required ``match_phrase`` clauses; headline
proximity of consecutive words is an optional ``span_near``. User text never reaches
``query_string``. Snippets come from ``index.highlight`` over the stored text, so both backends
return the same snippets.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from core.record import Article
from index import es_mapping
from index.base import SearchHit, SearchPage, SearchQuery, UpsertResult, dedupe_batch
from index.dates import to_utc
from index.es_copies import copies_settings
from index.fields import FIELD_WEIGHTS, derived_fields
from index.highlight import hit_snippet
from index.liveness import LiveState, apply, fresh, version_count
from index.query import COORD, PROXIMITY_BONUS, TITLE_COORD, ParsedQuery, QueryWord, parse_query
from index.stories import BatchStories, Member, Sketch, sketch, story_fields
from index.versions import versions_after

logger = logging.getLogger(__name__)

MAX_RESULT_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
_MGET_CHUNK = 500
_MSEARCH_CHUNK = 200
_MAX_CANDIDATES = 100  # documents compared with a new one, most band keys shared first (index.stories)
_HIDDEN = ["story_sketch"]  # kept in _source for matching and re-indexing, never handed out


def doc_id(key: str) -> str:
    """Document id for a canonical URL: fixed length, whatever the URL's length or characters."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


class ElasticBackend:
    """SearchBackend over Elasticsearch 8/9 (see module docstring)."""

    def __init__(self, url: str | list[str] | Elasticsearch, index_prefix: str = "akhbar", *,
                 bulk_retries: int = 5, initial_backoff: float = 0.5, chunk_size: int = 500,
                 shards: int = 1, replicas: str = "0-1", **client_options: Any) -> None:
        """``url``: the engine's URL, several nodes' URLs (a list, or comma-separated: the client
        sends each request to a live one and retries another when a node stops answering), or a
        ready client; ``shards`` / ``replicas``: for the index versions it creates
        (``es_mapping.index_settings``); ``client_options`` go to ``Elasticsearch`` (basic_auth,
        api_key, ca_certs, verify_certs, request_timeout...)."""
        copies_settings(replicas, shards)  # a ValueError for a bad value, before connecting
        self.shards, self.replicas = shards, replicas
        # More than one shard: BM25 from the whole index's term statistics (one more round trip),
        # not each shard's own, so ranking does not depend on which shard a document landed in.
        self._search_type = "dfs_query_then_fetch" if shards > 1 else None
        if isinstance(url, Elasticsearch):
            self.es = url
        else:
            client_options.setdefault("request_timeout", 30)
            client_options.setdefault("retry_on_timeout", True)
            client_options.setdefault("max_retries", 3)
            hosts = [u.strip() for u in url.split(",") if u.strip()] if isinstance(url, str) else list(url)
            self.es = Elasticsearch(hosts, **client_options)
        self.prefix = index_prefix
        self.alias = f"{index_prefix}-articles"
        self.write_alias = f"{index_prefix}-articles-write"
        self.template = f"{index_prefix}-articles"
        self.bulk_retries = bulk_retries
        self.initial_backoff = initial_backoff
        self.chunk_size = chunk_size
        self._ensure()

    # -- index lifecycle ----------------------------------------------------------------------

    def _ensure(self) -> None:
        """Install the template and, on first use, version 1 behind both aliases."""
        self.es.indices.put_index_template(name=self.template, **es_mapping.index_template(
            f"{self.alias}-v*", replicas=self.replicas, shards=self.shards))
        if self.es.indices.exists_alias(name=self.alias):
            self._check_versions()
            return
        first = f"{self.alias}-v1"
        try:
            self.es.indices.create(index=first, aliases={self.alias: {}, self.write_alias: {}})
        except ApiError as exc:
            if exc.error != "resource_already_exists_exception":  # another process won the race
                raise

    def _check_versions(self) -> None:
        meta = self.es.indices.get_mapping(index=self.alias)
        for index, body in meta.body.items():
            stored = body.get("mappings", {}).get("_meta", {})
            if stored.get("mapping_version") != es_mapping.MAPPING_VERSION or \
                    stored.get("analyzer_version") != es_mapping.ANALYZER_VERSION:
                logger.warning("%s was built with mapping %s / analyzer %s, this code uses %s / %s; run "
                               "`akhbar reindex --backend elasticsearch`", index, stored.get("mapping_version"),
                               stored.get("analyzer_version"), es_mapping.MAPPING_VERSION,
                               es_mapping.ANALYZER_VERSION)

    def indices_of(self, alias: str) -> list[str]:
        try:
            return sorted(self.es.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def _next_index(self) -> str:
        versions = [0]
        for name in self.es.indices.get(index=f"{self.alias}-v*", expand_wildcards="open,closed").body:
            tail = name.rsplit("-v", 1)[-1]
            if tail.isdigit():
                versions.append(int(tail))
        return f"{self.alias}-v{max(versions) + 1}"

    def begin_rebuild(self) -> str:
        """Create the next versioned index and send writes there; searches still read the old one."""
        new = self._next_index()
        self.es.indices.create(index=new)
        actions: list[dict[str, Any]] = [{"remove": {"index": old, "alias": self.write_alias}}
                                         for old in self.indices_of(self.write_alias)]
        actions.append({"add": {"index": new, "alias": self.write_alias}})
        self.es.indices.update_aliases(actions=actions)
        return new

    def finish_rebuild(self) -> None:
        """Point searches at the index being written, atomically, and delete what they read before."""
        current = self.indices_of(self.write_alias)
        old = [i for i in self.indices_of(self.alias) if i not in current]
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions += [{"add": {"index": i, "alias": self.alias}} for i in current]
        self.es.indices.update_aliases(actions=actions)
        if old:
            self.es.indices.delete(index=",".join(old), ignore_unavailable=True)

    def abort_rebuild(self) -> None:
        """Undo ``begin_rebuild`` after a failed rebuild: writes go back to the index searches read
        (so nothing a crawl indexes meanwhile is hidden), and the half-built index is deleted."""
        reading = self.indices_of(self.alias)
        half_built = [i for i in self.indices_of(self.write_alias) if i not in reading]
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.write_alias}} for i in half_built]
        actions += [{"add": {"index": i, "alias": self.write_alias}} for i in reading]
        if actions:
            self.es.indices.update_aliases(actions=actions)
        if half_built:
            self.es.indices.delete(index=",".join(half_built), ignore_unavailable=True)

    def clear(self) -> None:
        """A fresh empty version behind both aliases (one atomic alias swap), the old one deleted."""
        self.begin_rebuild()
        self.finish_rebuild()

    # -- writing ------------------------------------------------------------------------------

    def upsert(self, articles: Iterable[Article]) -> UpsertResult:
        """Insert or replace by canonical URL; an unchanged content hash is left alone.

        Later copies of a URL in the same batch replace earlier ones (as in the embedded backend).
        """
        result = UpsertResult()
        earlier: dict[str, list[tuple[Article, str]]] = {}
        # _id -> (article, hash, key); the last copy of a URL in the batch wins
        prepared = {doc_id(key): (art, digest, key)
                    for key, (art, digest) in dedupe_batch(articles, result, earlier).items()}
        if not prepared:
            return result

        stored = self._stored_hashes(list(prepared))
        replaced = self._stored_docs([i for i, (_, digest, _) in prepared.items()
                                      if stored.get(i) not in (None, digest)])
        actions: list[dict[str, Any]] = []
        is_update: dict[str, bool] = {}
        arriving = {_id: v for _id, v in prepared.items() if stored.get(_id) != v[1]}
        result.unchanged += len(prepared) - len(arriving)
        sketches = {_id: sketch(art) for _id, (art, _, _) in arriving.items()}
        candidates = self._story_candidates(sketches)
        stories = BatchStories()
        for _id, (art, digest, key) in arriving.items():
            old = stored.get(_id)
            try:
                found = stories.assign(_id, sketches[_id], candidates.get(_id, []), art.get("published"))
                doc = _document(fresh(art), digest,  # it came from a page that answered with text
                                versions_after(replaced.get(_id), [*earlier.get(key, []), (art, digest)]),
                                derived_fields(art))  # ``art`` may carry its terms (AnalyzedArticle)
                doc.update(story_fields(found))
                if sketches[_id] is not None:
                    doc["story_sketch"] = {"bands": list(sketches[_id].bands), "sig": sketches[_id].encode(),
                                           "founded": found.founded}
            except Exception as exc:  # noqa: BLE001 - one bad record must not sink the batch
                result.failed.append((str(art.get("url") or _id), f"{type(exc).__name__}: {exc}"))
                continue
            is_update[_id] = old is not None
            actions.append({"_op_type": "index", "_index": self.write_alias, "_id": _id, "_source": doc})
        if not actions:
            return result

        for ok, item in helpers.streaming_bulk(
            self.es, actions, chunk_size=self.chunk_size, max_retries=self.bulk_retries,
            initial_backoff=self.initial_backoff, raise_on_error=False, raise_on_exception=False,
        ):
            info = next(iter(item.values()))
            _id = info.get("_id", "")
            if ok:
                if is_update.get(_id):
                    result.updated += 1
                else:
                    result.indexed += 1
                continue
            art, _, key = prepared.get(_id, ({}, "", _id))
            result.failed.append((str(art.get("url") or key), _reason(info)))
        self.es.indices.refresh(index=self.write_alias)
        return result

    def set_liveness(self, states: dict[str, LiveState]) -> int:
        """Record readings of pages (``index.liveness``) on the articles they are, by canonical URL
        or URL. The whole document is indexed again (its derived fields are not in ``_source``, so a
        partial update would lose them); URLs not in the index are left out."""
        found: dict[str, tuple[Article, LiveState]] = {}
        by_id = {doc_id(url): (url, state) for url, state in states.items()}
        ids = list(by_id)
        for i in range(0, len(ids), _MGET_CHUNK):
            for doc in self.es.mget(index=self.write_alias, ids=ids[i:i + _MGET_CHUNK])["docs"]:
                if doc.get("found"):
                    found[doc["_id"]] = (doc["_source"], by_id[doc["_id"]][1])
        missing = {url: state for _id, (url, state) in by_id.items() if _id not in found}
        urls = list(missing)
        for i in range(0, len(urls), _MGET_CHUNK):
            chunk = urls[i:i + _MGET_CHUNK]
            resp = self.es.search(index=self.write_alias, query={"terms": {"url": chunk}}, size=len(chunk) * 2)
            for hit in resp["hits"]["hits"]:
                state = missing.get(hit["_source"].get("url", ""))
                if state is not None and hit["_id"] not in found:
                    found[hit["_id"]] = (hit["_source"], state)
        actions = []
        for _id, (source, state) in found.items():
            doc = apply(source, state)
            actions.append({"_op_type": "index", "_index": self.write_alias, "_id": _id,
                            "_source": _document(doc, doc.get("content_hash") or "", doc.get("versions") or [],
                                                 derived_fields(doc))})
        updated = 0
        for ok, item in helpers.streaming_bulk(self.es, actions, chunk_size=self.chunk_size,
                                               max_retries=self.bulk_retries, initial_backoff=self.initial_backoff,
                                               raise_on_error=False, raise_on_exception=False):
            if ok:
                updated += 1
            else:
                logger.warning("liveness not recorded for %s: %s", next(iter(item.values())).get("_id"),
                               _reason(next(iter(item.values()))))
        if actions:
            self.es.indices.refresh(index=self.write_alias)
        return updated

    def _story_candidates(self, sketches: dict[str, Sketch | None]) -> dict[str, list[Member]]:
        """Per arriving document, the stored ones sharing an LSH band key (``index.stories``), in
        one multi-search for the batch."""
        asked = [(_id, s) for _id, s in sketches.items() if s is not None]
        out: dict[str, list[Member]] = {}
        for i in range(0, len(asked), _MSEARCH_CHUNK):
            chunk = asked[i:i + _MSEARCH_CHUNK]
            searches: list[dict[str, Any]] = []
            for _, s in chunk:
                shared = [{"constant_score": {"filter": {"term": {"story_sketch.bands": b}}}} for b in s.bands]
                searches += [{"index": self.write_alias},
                             {"query": {"bool": {"should": shared}},  # score: how many band keys it shares
                              "size": _MAX_CANDIDATES,
                              "_source": ["story_id", "story_sketch.sig", "story_sketch.founded"]}]
            for (_id, _), resp in zip(chunk, self.es.msearch(searches=searches)["responses"], strict=True):
                out[_id] = [Member(h["_id"], h["_source"].get("story_id", ""),
                                   Sketch.decode(h["_source"]["story_sketch"]["sig"]),
                                   h["_source"]["story_sketch"].get("founded"))
                            for h in resp.get("hits", {}).get("hits", [])
                            if h["_source"].get("story_id") and h["_source"].get("story_sketch", {}).get("sig")]
        return out

    def members(self, story_ids: list[str], limit: int = 50) -> dict[str, list[Article]]:
        """The articles of each story, earliest published first, at most ``limit`` per story."""
        wanted = [s for s in dict.fromkeys(story_ids) if s]
        out: dict[str, list[Article]] = {}
        if not wanted:
            return out
        searches: list[dict[str, Any]] = []
        for story in wanted:
            searches += [{"index": self.alias},
                         {"query": {"term": {"story_id": story}}, "size": limit, "_source": {"excludes": _HIDDEN},
                          "sort": [{"published": {"order": "asc", "missing": "_last"}},
                                   {"fetched": {"order": "asc", "missing": "_last"}}, {"url": {"order": "asc"}}]}]
        for story, resp in zip(wanted, self.es.msearch(searches=searches)["responses"], strict=True):
            if found := [h["_source"] for h in resp.get("hits", {}).get("hits", [])]:
                out[story] = found
        return out

    def _stored_docs(self, ids: list[str]) -> dict[str, Article]:
        """The stored records being replaced (their versions go on)."""
        out: dict[str, Article] = {}
        for i in range(0, len(ids), _MGET_CHUNK):
            resp = self.es.mget(index=self.write_alias, ids=ids[i:i + _MGET_CHUNK],
                                source_includes=["title", "text", "content_hash", "fetched", "warc", "versions"])
            for doc in resp["docs"]:
                if doc.get("found"):
                    out[doc["_id"]] = doc["_source"]
        return out

    def _stored_hashes(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), _MGET_CHUNK):
            resp = self.es.mget(index=self.write_alias, ids=ids[i:i + _MGET_CHUNK], source_includes=["content_hash"])
            for doc in resp["docs"]:
                if doc.get("found"):
                    out[doc["_id"]] = doc["_source"].get("content_hash", "")
        return out

    # -- reading ------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchPage:
        """Ranked (groups matched, then BM25) or newest-first results; filters narrow both.

        Raises ValueError only for an unparseable since/until date; any query text is accepted.
        """
        parsed = parse_query(query.text)
        offset, per_page = query.window()
        date_order: list[Any] = [
            {"published": {"order": "desc", "missing": "_last"}},
            {"fetched": {"order": "desc", "missing": "_last"}},
            {"url": {"order": "desc"}},
        ]
        ranked = not parsed.empty
        sort = ["_score", *date_order] if ranked and query.sort != "date" else date_order
        attempts = parsed.attempts()
        for n, (parsed, level) in enumerate(attempts, start=1):
            es_query = _bool_query(parsed, query, level)
            if offset + per_page > MAX_RESULT_WINDOW:
                # Past the engine's result window: still report the total, as the embedded backend does.
                total = self.es.count(index=self.alias, query=es_query)["count"]
                if total or n == len(attempts):
                    return SearchPage(total=total, hits=[], query=query)
                continue
            resp = self.es.search(index=self.alias, query=es_query, sort=sort, from_=offset, size=per_page,
                                  track_total_hits=True, track_scores=True, source_excludes=_HIDDEN,
                                  search_type=self._search_type)
            total = resp["hits"]["total"]["value"]
            if total:
                break
        hits = []
        for h in resp["hits"]["hits"]:
            article: Article = h["_source"]
            score = float(h.get("_score") or 0.0) if ranked else 0.0  # unranked listing, as embedded
            matched = {int(n[1:]) for n in h.get("matched_queries") or [] if n[:1] == "g" and n[1:].isdigit()}
            hits.append(SearchHit(article=article, score=score, snippet=hit_snippet(article, parsed),
                                  missing=parsed.missing(matched) if parsed.words or parsed.loosened else []))
        return SearchPage(total=total, hits=hits, query=query)

    def scan(self, query: SearchQuery, batch: int = 500) -> Iterator[Article]:
        """Every matching article, newest published first (``SearchBackend.scan``): pages of a point
        in time with ``search_after``, so the export sees one consistent view of the index however
        long it takes and is not capped by ``index.max_result_window`` (from + size ≤ 10,000)."""
        parsed = parse_query(query.text)
        es_query = None
        for attempt, level in parsed.attempts():  # the requirement level ``search`` settles on
            candidate = _bool_query(attempt, query, level)  # ValueError for a bad date now
            if self.es.count(index=self.alias, query=candidate)["count"]:
                es_query = candidate
                break
        if es_query is None:
            return iter(())
        return self._scan_pit(es_query, max(1, int(batch)))

    def _scan_pit(self, es_query: dict[str, Any], batch: int) -> Iterator[Article]:
        keep = "5m"  # between two batches: a reader may pause that long
        pit = self.es.open_point_in_time(index=self.alias, keep_alive=keep)["id"]
        # _shard_doc: the point in time's own tiebreaker, unique per document, cheap to sort on
        sort: list[Any] = [{"published": {"order": "desc", "missing": "_last"}}, {"_shard_doc": "desc"}]
        after: list[Any] | None = None
        try:
            while True:
                resp = self.es.search(pit={"id": pit, "keep_alive": keep}, query=es_query, sort=sort, size=batch,
                                      search_after=after, track_total_hits=False, source_excludes=_HIDDEN)
                pit = resp.get("pit_id", pit)
                hits = resp["hits"]["hits"]
                for h in hits:
                    yield h["_source"]
                if len(hits) < batch:
                    return
                after = hits[-1]["sort"]
        finally:
            try:
                self.es.close_point_in_time(id=pit)
            except ApiError as exc:  # it expires on its own anyway
                logger.warning("could not close the export's point in time: %s", exc)

    def facets(self, query: SearchQuery, limit: int = 20) -> dict[str, list[tuple[str, int]]]:
        """Counts per source, section, agency and month (``YYYY-MM``, UTC) over the documents the
        query matches, filters included, so each count is what a click on it would return.

        One ``size: 0`` search over the same query and filters as ``search`` (at the first
        requirement level that matches anything), with a ``terms`` aggregation per keyword field
        (exact: the index has one shard) and a ``date_histogram`` on ``published``, the field the
        since/until filters compare. ``agencies`` is a keyword array, so a document counts once for
        each of its agencies. Its normalizer lowercases the bucket keys; the spelling shown is the
        one a matching document stored (embedded shows the stored value too). Order as in the
        embedded backend: count desc then value; months newest first and not limited. Empty values
        are left out.
        """
        parsed = parse_query(query.text)
        size = max(1, int(limit))
        order = [{"_count": "desc"}, {"_key": "asc"}]

        def terms(fld: str) -> dict[str, Any]:
            return {"terms": {"field": fld, "size": size, "order": order, "exclude": [""]}}

        aggs: dict[str, Any] = {
            "source": terms("source"),
            "section": terms("section"),
            # The stored spelling of one document per agency (keys are lowercased by the normalizer).
            "agency": {**terms("agencies"),
                       "aggs": {"shown": {"top_hits": {"size": 1, "_source": {"includes": ["agencies"]}}}}},
            "month": {"date_histogram": {"field": "published", "calendar_interval": "month",
                                         "time_zone": "UTC", "min_doc_count": 1, "format": "yyyy-MM",
                                         "order": {"_key": "desc"}}},
            "status": terms("live"),
            "original_source": terms("original_source"),
            "changed": {"filter": {"range": {"version_count": {"gt": 1}}}},
        }
        for attempt, level in parsed.attempts():
            resp = self.es.search(index=self.alias, query=_bool_query(attempt, query, level), size=0, aggs=aggs,
                                  track_total_hits=1)
            if resp["hits"]["total"]["value"]:
                break
        got = resp["aggregations"]
        out: dict[str, list[tuple[str, int]]] = {}
        for name in ("source", "section", "agency", "original_source"):
            values = [(_agency_shown(b) if name == "agency" else b["key"], int(b["doc_count"]))
                      for b in got[name]["buckets"]]
            values.sort(key=lambda v: (-v[1], v[0]))
            out[name] = values[:limit]
        out["month"] = [(b["key_as_string"], int(b["doc_count"])) for b in got["month"]["buckets"]]
        status = [(b["key"], int(b["doc_count"])) for b in got["status"]["buckets"]]
        if got["changed"]["doc_count"]:
            status.append(("changed", int(got["changed"]["doc_count"])))
        status.sort(key=lambda v: (-v[1], v[0]))
        out["status"] = status[:limit]
        return out

    def get(self, url: str) -> Article | None:
        try:
            return self.es.get(index=self.alias, id=doc_id(url), source_excludes=_HIDDEN)["_source"]
        except NotFoundError:
            pass
        resp = self.es.search(index=self.alias, query={"term": {"url": url}}, size=1, source_excludes=_HIDDEN)
        hits = resp["hits"]["hits"]
        return hits[0]["_source"] if hits else None

    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    def close(self) -> None:
        self.es.close()

    def __enter__(self) -> ElasticBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _document(article: Article, digest: str, versions: list[dict], derived: dict[str, str]) -> dict[str, Any]:
    """What is indexed for an article: the record, its versions and the fields only Python derives
    (``es_mapping.DERIVED_FIELDS``: indexed, left out of ``_source``)."""
    doc: dict[str, Any] = dict(article)
    doc.setdefault("canonical_url", "")
    doc["content_hash"] = digest
    doc["versions"] = versions
    doc.update(derived)
    doc["version_count"] = version_count(doc)
    return doc


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict):
            text += f" ({cause.get('type', '')}: {cause.get('reason', '')})"
        return f"HTTP {info.get('status', '?')} {text}"
    return f"HTTP {info.get('status', '?')} {error or info.get('exception') or 'bulk item failed'}"


def _agency_shown(bucket: dict[str, Any]) -> str:
    """The bucket's agency as a document spelled it (the key is the normalizer's lowercase form)."""
    key = bucket["key"]
    for hit in bucket.get("shown", {}).get("hits", {}).get("hits", []):
        for name in hit.get("_source", {}).get("agencies") or []:
            if isinstance(name, str) and name.lower() == key:
                return name
    return key


# The fields' weights (``index.fields.FIELD_WEIGHTS``, as the embedded backend's columns), on the engine's fields.
_STEM_FIELDS = {"title": FIELD_WEIGHTS["title"], "lead": FIELD_WEIGHTS["lead"], "body": FIELD_WEIGHTS["body"]}
_EXACT_FIELDS = {"title.exact": FIELD_WEIGHTS["title_x"], "body_exact": FIELD_WEIGHTS["body_x"]}
_ROOT_FIELDS = {"title_root": FIELD_WEIGHTS["title_r"], "lead_root": FIELD_WEIGHTS["lead_r"]}


def _terms(value: str, fields: dict[str, float]) -> list[dict[str, Any]]:
    return [{"term": {f: {"value": value, "boost": w}}} for f, w in fields.items()]


def _phrases(text: str, fields: dict[str, float]) -> list[dict[str, Any]]:
    return [{"match_phrase": {f: {"query": text, "boost": w}}} for f, w in fields.items()]


def _forms(word: QueryWord, stem: dict[str, float], exact: dict[str, float],
           root: dict[str, float]) -> list[dict[str, Any]]:
    """Every form of a group on the given fields: stem (or phrase), exact, root, spelling variants."""
    alts = _terms(word.terms[0], stem) if word.single else _phrases(word.text, stem)
    if word.exact:
        alts += _terms(word.exact, exact)
    if word.root:
        alts += _terms(word.root, root)
    if word.skeleton:
        alts += _terms(word.skeleton, root)
    for v in word.variants:
        alts += _terms(v.terms[0], stem) if len(v.terms) == 1 else _phrases(v.text, stem)
    return alts


def _headline(word: QueryWord) -> dict[str, Any]:
    """``TITLE_COORD`` when the headline carries the group in any form (see ``index.query``)."""
    title = {"bool": {"should": _forms(word, {"title": 1.0}, {"title.exact": 1.0}, {"title_root": 1.0}),
                      "minimum_should_match": 1}}
    return {"constant_score": {"filter": title, "boost": TITLE_COORD}}


def _group(n: int, word: QueryWord) -> dict[str, Any]:
    """One word group: every form of it scored at its field's weight, plus a named constant
    ``COORD`` when anything matched, so ``matched_queries`` says which groups a hit matched."""
    any_form = {"bool": {"should": _forms(word, _STEM_FIELDS, _EXACT_FIELDS, _ROOT_FIELDS),
                         "minimum_should_match": 1}}
    return {"bool": {"should": [{"constant_score": {"filter": any_form, "boost": COORD, "_name": f"g{n}"}},
                                any_form]}}


def _bool_query(parsed: ParsedQuery, query: SearchQuery, level: int) -> dict[str, Any]:
    """What ``search`` and ``facets`` both ask: at least ``level`` word groups and every quoted
    phrase (all documents when the text has neither), headline proximity as a bonus, and the
    query's filters.

    A quoted phrase goes in as typed through ``match_phrase``: the engine analyzes it the way it
    analyzed the documents, stop-word positions included. Proximity pairs allow one position
    between the words, where the engine keeps a removed stop word's place.
    """
    must: list[dict[str, Any]] = []
    if parsed.words:
        must.append({"bool": {"should": [_group(n, w) for n, w in enumerate(parsed.words)],
                              "minimum_should_match": level}})
    for text in parsed.phrase_texts:
        must.append({"bool": {"should": _phrases(text, {"title": FIELD_WEIGHTS["title"], "body": 1.0}),
                              "minimum_should_match": 1}})
    should: list[dict[str, Any]] = [
        {"constant_score": {"filter": {"span_near": {
            "clauses": [{"span_term": {"title": a}}, {"span_term": {"title": b}}], "slop": 1, "in_order": True}},
            "boost": PROXIMITY_BONUS}}
        for a, b in parsed.proximity_pairs()]
    should += [_headline(w) for w in parsed.words]
    return {"bool": {"must": must or [{"match_all": {}}], "should": should, "filter": _filters(query)}}


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    sources = [s for s in (query.sources or []) if s]
    if sources:
        out.append({"terms": {"source": sources}})
    if query.section:
        out.append({"term": {"section": query.section}})
    if query.agency:
        out.append({"term": {"agencies": query.agency.strip()}})
    dates: dict[str, str] = {}
    if query.since:
        dates["gte"] = to_utc(query.since) or ""
    if query.until:
        dates["lte"] = to_utc(query.until, end_of_day=True) or ""
    if dates:
        # Naive UTC timestamps, exactly the bounds the embedded backend compares with.
        out.append({"range": {"published": {**dates, "format": "strict_date_hour_minute_second"}}})
    if query.original_source:
        out.append({"term": {"original_source": query.original_source}})
    if query.status == "changed":
        out.append({"range": {"version_count": {"gt": 1}}})
    elif query.status:
        out.append({"term": {"live": query.status}})
    return out

