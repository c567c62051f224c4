"""The Elasticsearch backend against a real engine (``scripts/search-engine start``).

The engine's URL comes from ``AKHBAR_ES_URL``. Without a reachable engine these tests fail in CI
(``CI`` set) and are skipped, loudly, elsewhere. Every test run uses its own index prefix and
removes its indexes and templates afterwards, so a developer's own data is never touched.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest

from core.record import Article
from index.analysis import WAW_INITIAL, analyze, analyze_forms
from index.embedded import EmbeddedBackend
from tests.conftest import akhbar

pytest.importorskip("elasticsearch")

from elasticsearch import ApiError, Elasticsearch

from index.base import SearchQuery
from index.elastic import ElasticBackend, doc_id
from index.es_mapping import ANALYZER, EXACT_ANALYZER
from tests.backend_contract import *  # noqa: F403 - the contract tests and the `backend` fixture
from tests.backend_contract import FILLER, art, search, urls
from tests.helpers import crawl_edit_check_live

RUN = uuid.uuid4().hex[:8]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"Elasticsearch tests cannot run in CI: {reason} (start it with scripts/search-engine start "
                    "and export AKHBAR_ES_URL)")
    pytest.skip(f"LOUD SKIP: Elasticsearch tests not run: {reason}; run `scripts/search-engine start` and "
                "export AKHBAR_ES_URL=http://127.0.0.1:9200")


@pytest.fixture(scope="session")
def es_url() -> str:
    url = os.environ.get("AKHBAR_ES_URL", "")
    if not url:
        _unavailable("AKHBAR_ES_URL is not set")
    client = Elasticsearch(url, request_timeout=10)
    try:
        health = client.cluster.health(wait_for_status="yellow", timeout="30s")
    except Exception as exc:  # noqa: BLE001 - any failure means no engine
        _unavailable(f"no engine answers at {url}: {exc}")
    finally:
        client.close()
    if health["status"] not in ("green", "yellow"):
        _unavailable(f"engine at {url} is {health['status']}")
    return url


def _drop(client: Elasticsearch, prefix: str) -> None:
    client.indices.delete(index=f"{prefix}-articles-v*", ignore_unavailable=True, allow_no_indices=True)
    client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-articles")


@pytest.fixture
def prefix(es_url) -> Iterator[str]:
    name = f"akhbar-test-{RUN}-{uuid.uuid4().hex[:6]}"
    yield name
    client = Elasticsearch(es_url)
    _drop(client, name)
    client.close()


@pytest.fixture
def empty_backend(es_url, prefix) -> Iterator[ElasticBackend]:
    """A fresh index per test; every contract test from tests.backend_contract runs on it."""
    b = ElasticBackend(es_url, prefix)
    yield b
    b.close()


# -- the analyzer ---------------------------------------------------------------------------

TRICKY = [
    "والمفاوضات", "بالمفاوضات", "للمفاوضات", "كالمفاوضات", "فالمفاوضات", "المُفَاوَضَات", "مفاوضـــات",
    "الرقّة", "رقه", "الرقة", "مدرسة", "المدرسة", "مدرستها", "معلمون", "المعلمين", "الولايات", "وزير",
    "أمريكا", "إيران", "آثار", "ٱلْكِتَابُ", "هٰذا", "مستشفى", "مصطفى", "على", "إلى", "أن", "إن", "الذي",
    "٢٠٢٤", "۱۵", "2024", "COVID-19", "Ünïcödé", "ـَ", "ـــ", "َ", "ٌّ", "و", "وو", "ال", "لل", "بال",
    "a_b", "x²", "①", "😀", "سوريّة", "السورية", "سوريا", "حلب", "دمشق—بيروت", "«الوطن»", "ة", "يه", "ية",
    "بدأت المفاوضات في الرقة", "وأكد الرئيس أن الحكومة ستعمل على تحسين الأوضاع الاقتصادية",
    "قال وزير الخارجية إن المحادثات مثمرة", "١٢ مليار دولار في ٣ سنوات",
    # stacked proclitics, their length guards, the و that belongs to the word, the new endings
    "وللمسجد", "وبالصور", "فبالصور", "وكالصور", "فللمزارعين", "وللسعوديين", "وبالم", "ولل", "وبال", "فال",
    "ووزير", "الوزير", "وزيرا", "واشنطن", "والي", "قالوا", "دعوا", "قريبًا", "قريباً", "جدا", "سوريا",
    "فرنسا", "فريق", "لبنان", "كلمة", "وللدفاع", "بالمفاوضاتها", "ولايات", "الولايات المتحدة",
    *WAW_INITIAL[:40],
]


def _engine_terms(client: Elasticsearch, index: str, text: str, analyzer: str = ANALYZER) -> list[str]:
    resp = client.indices.analyze(index=index, analyzer=analyzer, text=text)
    return [t["token"] for t in resp["tokens"]]


def _sample_site_words() -> list[str]:
    """Every distinct word of the sample sites' articles: real news text, not chosen for the rules."""
    import tomllib
    from pathlib import Path

    words: set[str] = set()
    for path in sorted(Path(__file__).parent.parent.joinpath("samples", "sites").glob("*/articles.toml")):
        for article in tomllib.loads(path.read_text(encoding="utf-8")).get("article", []):
            text = " ".join([article.get("title", ""), *article.get("paragraphs", [])])
            words.update(text.split())
    return sorted(words)


def test_engine_analyzers_match_python_analysis(empty_backend):
    """The stem chain (``pattern_replace`` filters built from STEM_RULES) and the exact chain give
    the engine exactly the terms Python gives, on tricky inputs and on every word of real text."""
    b = empty_backend
    real = _sample_site_words()
    assert len(real) > 500
    texts = [*TRICKY, *(" ".join(real[i:i + 200]) for i in range(0, len(real), 200))]
    mismatches = {}
    for text in texts:
        exact, stems, _ = analyze_forms(text)
        assert stems == analyze(text)
        for analyzer, want in ((ANALYZER, stems), (EXACT_ANALYZER, exact)):
            engine = _engine_terms(b.es, b.alias, text, analyzer)
            if engine != want:
                diff = [(e, p) for e, p in zip(engine, want, strict=False) if e != p][:5]
                mismatches[(analyzer, text[:40])] = (len(engine), len(want), diff)
    assert not mismatches, f"engine vs index.analysis: {mismatches}"


def test_derived_fields_are_indexed_but_not_stored(empty_backend):
    b = empty_backend
    doc = art(60, "بيان رسمي", "أكد الطرفان أن التفاوض سيستمر")
    b.upsert([doc])
    stored = b.es.get(index=b.alias, id=doc_id(doc["canonical_url"]))["_source"]
    assert not {"lead", "title_root", "lead_root", "version_count"} & set(stored)
    got = b.get(doc["canonical_url"])
    assert got.pop("versions")[0]["content_hash"] == doc["content_hash"]  # index.versions: the first one
    assert got.pop("story_id").startswith("s") and got.pop("story_similarity") == 1.0
    assert got == {**doc, "canonical_url": doc["canonical_url"], "live": "alive", "removed_since": None,
                   "redirected_to": None}
    # The root field holds Python's roots: «مفاوضات» finds «التفاوض» through it alone.
    assert urls(search(b, "مفاوضات")) == [doc["canonical_url"]]


def test_mapping_and_template(empty_backend):
    b = empty_backend
    index = b.indices_of(b.alias)
    assert index == [f"{b.alias}-v1"] == b.indices_of(b.write_alias)
    props = b.es.indices.get_mapping(index=b.alias)[index[0]]["mappings"]["properties"]
    assert props["title"]["analyzer"] == ANALYZER and props["title"]["fields"]["raw"]["type"] == "keyword"
    assert props["body"]["analyzer"] == ANALYZER
    assert props["published"]["type"] == "date"
    for field in ("source", "section", "agencies", "url", "canonical_url", "content_hash"):
        assert props[field]["type"] == "keyword", field
    assert {k: v["type"] for k, v in props["warc"]["properties"].items()} == {
        "file": "keyword", "offset": "long", "length": "long", "record_id": "keyword"}
    assert b.es.indices.exists_index_template(name=b.template)


# -- upserts --------------------------------------------------------------------------------


def test_documents_are_stored_under_the_canonical_url_id(empty_backend):
    b = empty_backend
    doc = art(50, "عنوان", "نص الخبر")
    assert b.upsert([doc]).indexed == 1
    assert b.es.get(index=b.alias, id=doc_id(doc["canonical_url"]))["found"]


def test_partial_bulk_failure_is_reported_not_dropped(empty_backend):
    b = empty_backend
    good = [art(61, "خبر سليم", "نص"), art(62, "خبر آخر", "نص")]
    bad = art(63, "تاريخ معطوب", "نص", published="الأسبوع الماضي")
    no_key: Article = {"title": "بلا رابط", "text": "نص"}
    r = b.upsert([good[0], bad, no_key, good[1]])
    assert r.indexed == 2
    assert len(r.failed) == 2
    reasons = dict(r.failed)
    assert "published" in reasons[bad["url"]] and "400" in reasons[bad["url"]]
    assert b.count() == 2


# -- versioned index behind aliases ----------------------------------------------------------


def test_clear_swaps_to_a_new_version_atomically(empty_backend):
    b = empty_backend
    b.upsert([art(90, "مفاوضات الرقة", "نص")])
    b.clear()
    assert b.indices_of(b.alias) == [f"{b.alias}-v2"] == b.indices_of(b.write_alias)
    assert not b.es.indices.exists(index=f"{b.alias}-v1")
    assert b.count() == 0 and search(b, "مفاوضات").total == 0
    b.upsert([art(90, "مفاوضات الرقة", "نص")])
    assert search(b, "مفاوضات").total == 1


def test_rebuild_keeps_serving_the_old_index_until_the_swap(es_url, empty_backend):
    b = empty_backend
    b.upsert([art(91, "مفاوضات قديمة", "نص")])
    new = b.begin_rebuild()
    b.upsert([art(92, "مفاوضات جديدة", "نص")])
    assert urls(search(b, "مفاوضات")) == ["https://news.example/article/91"]
    # Another process opening the backend mid-rebuild sees the same thing and does not interfere.
    other = ElasticBackend(es_url, b.prefix)
    assert other.count() == 1
    other.close()
    b.finish_rebuild()
    assert b.indices_of(b.alias) == [new]
    assert urls(search(b, "مفاوضات")) == ["https://news.example/article/92"]


def test_failed_rebuild_is_undone(empty_backend):
    """A reindex that dies half-way leaves searches and writes on the old index, and no half index."""
    b = empty_backend
    b.upsert([art(93, "مفاوضات قديمة", "نص")])
    old = b.indices_of(b.alias)
    half = b.begin_rebuild()
    b.upsert([art(94, "مفاوضات نصف", "نص")])
    b.abort_rebuild()
    assert b.indices_of(b.alias) == old and b.indices_of(b.write_alias) == old
    assert half not in b.es.indices.get_alias(index=f"{b.prefix}*")
    b.upsert([art(95, "مفاوضات لاحقة", "نص")])  # a crawl after the failure: visible at once
    assert set(urls(search(b, "مفاوضات"))) == {"https://news.example/article/93", "https://news.example/article/95"}


# -- both backends answer alike -------------------------------------------------------------

CORPUS = [
    ("استئناف مفاوضات الرقة بين الأطراف", "استؤنفت المفاوضات حول مستقبل مدينة الرقة بعد توقف دام أشهراً."),
    ("وزير الخارجية يصل إلى دمشق", "وصل وزير الخارجية إلى العاصمة السورية دمشق في زيارة رسمية."),
    ("ارتفاع أسعار النفط عالمياً", "صعدت أسعار النفط الخام مع تراجع المخزونات الأمريكية."),
    ("انخفاض أسعار الذهب", "تراجعت أسعار الذهب في الأسواق العالمية بعد قرار الفيدرالي."),
    ("المنتخب السعودي يفوز على نظيره", "حقق المنتخب السعودي فوزاً كبيراً في مباراة كرة القدم."),
    ("افتتاح معرض الرياض الدولي للكتاب", "افتتح معرض الرياض الدولي للكتاب بمشاركة مئات الناشرين."),
    ("الأمطار الغزيرة تغلق الطرق في جدة", "أغلقت الأمطار الغزيرة عدداً من الطرق الرئيسية في مدينة جدة."),
    ("مجلس الأمن يناقش الوضع في سوريا", "عقد مجلس الأمن جلسة طارئة لمناقشة الأوضاع الإنسانية في سوريا."),
    ("ميزانية ٢٠٢٤ تسجل عجزاً", "أعلنت وزارة المالية أن ميزانية عام 2024 سجلت عجزاً قدره 15 مليار."),
    ("الرئيس يستقبل السفراء الجدد", "استقبل الرئيس في القصر سفراء الدول الجديدة وتسلم أوراق اعتمادهم."),
    ("مفاوضات التجارة الحرة تتعثر", "تعثرت مفاوضات التجارة الحرة بين الجانبين بسبب الخلاف على الرسوم."),
    ("الجامعة تعلن نتائج القبول", "أعلنت الجامعة نتائج القبول للطلاب والطالبات للعام الدراسي الجديد."),
]
QUERIES = [
    "مفاوضات الرقة", "والمفاوضات", "وزير الخارجية", '"وزير الخارجية"', "أسعار النفط", "اسعار", "الذهب",
    "المنتخب السعودي", "معرض الكتاب", "الرياض", "امطار جده", "مجلس الامن سوريا", "ميزانية 2024", "١٥ مليار",
    "الرئيس", "الجامعه نتائج", "الطالبات", "التجارة", "مدينة", "في", "", '"مفاوضات التجارة"',
]


def test_same_results_as_the_embedded_backend(empty_backend, tmp_path):
    b = empty_backend
    docs = [art(200 + i, t, x, published=f"2024-03-{i + 1:02d}T10:00:00Z") for i, (t, x) in enumerate(CORPUS)]
    docs += [art(300 + i, t, x) for i, (t, x) in enumerate(FILLER)]
    embedded = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        embedded.upsert(docs)
        b.upsert(docs)
        for q in QUERIES:
            e, s = search(embedded, q, per_page=50), search(b, q, per_page=50)
            assert e.total == s.total, q
            assert set(urls(e)) == set(urls(s)), q  # the same documents match
            if e.hits:
                # and the best one is the same — or, when the two best are a near tie (both carry
                # the whole query in the headline), the same two: FTS5 normalizes BM25 by the whole
                # row and Lucene per field, and the embedded backend's headline fit makes up for that
                # only approximately.
                assert urls(e)[0] == urls(s)[0] or set(urls(e)[:2]) == set(urls(s)[:2]), q
                assert [h.snippet for h in e.hits if h.article["canonical_url"] == urls(s)[0]] == \
                    [s.hits[0].snippet], q  # identical snippets
    finally:
        embedded.close()


# -- end to end: reindex from a real crawl's WARCs --------------------------------------------


@pytest.mark.slow
def test_check_live_records_takedowns_and_edits_in_elasticsearch(sample_sites, tmp_path, es_url, prefix):
    """The whole path of #12 on the engine: crawl, edits, check-live into Elasticsearch; search by
    status finds the removed, moved and edited stories; a blue/green reindex records the same."""
    env = {**os.environ, "AKHBAR_BACKEND": "elasticsearch", "AKHBAR_ES_URL": es_url, "AKHBAR_ES_INDEX_PREFIX": prefix}
    data, paths, base, _ = crawl_edit_check_live(sample_sites, tmp_path / "data", env=env)

    def found() -> dict[str, list[tuple[str, str | None]]]:
        out = {}
        for status in ("gone", "redirected", "changed"):
            hits = json.loads(akhbar("search", "", "--status", status, "--json", "--limit", "50", data=data,
                                     env=env).stdout)["hits"]
            out[status] = sorted((h["url"], h.get("removed_since")) for h in hits)
        return out

    before = found()
    assert [u for u, _ in before["gone"]] == sorted(base + paths[k] for k in ("gone", "removed"))
    assert all(since for _, since in before["gone"])
    assert [u for u, _ in before["redirected"]] == [base + paths["redirected"]]
    assert [u for u, _ in before["changed"]] == sorted(base + paths[k] for k in ("body", "headline"))
    akhbar("reindex", "--workers", "0", data=data, env=env)
    assert found() == before


@pytest.mark.slow
def test_reindex_from_warcs_into_elasticsearch(crawl, es_url, prefix):
    env = {**os.environ, "AKHBAR_ES_URL": es_url, "AKHBAR_ES_INDEX_PREFIX": prefix}
    proc = akhbar("reindex", "--backend", "elasticsearch", data=crawl.data, env=env)
    assert b"index_failed=0," in proc.stdout and b"indexed=0," not in proc.stdout
    client = Elasticsearch(es_url)
    try:
        es_count = client.count(index=f"{prefix}-articles")["count"]
    finally:
        client.close()
    embedded = EmbeddedBackend(crawl.data.index)
    try:
        assert es_count == embedded.count() > 0
    finally:
        embedded.close()

    def hits(backend: str, *args: str) -> list[dict]:
        out = akhbar("search", *args, "--backend", backend, "--json", "--limit", "50", data=crawl.data, env=env)
        return json.loads(out.stdout)["hits"]

    for query in ("مفاوضات الرقة", "سوريا"):
        es_hits, emb_hits = hits("elasticsearch", query), hits("embedded", query)
        assert es_hits, query
        assert {h["url"] for h in es_hits} == {h["url"] for h in emb_hits}, query
    # The stored WARC pointer leads back to the archived record.
    first = hits("elasticsearch", "مفاوضات الرقة")[0]
    warc = first["warc"]
    assert (crawl.data.warc / warc["file"]).exists() and warc["length"] > 0
    # Reindexing again swaps in a fresh version and ends with the same documents.
    akhbar("reindex", "--backend", "elasticsearch", data=crawl.data, env=env)
    assert {h["url"] for h in hits("elasticsearch", "سوريا")} == {h["url"] for h in hits("embedded", "سوريا")}


def test_scan_reads_past_the_engines_result_window(empty_backend):
    """``scan`` pages with a point in time and ``search_after``, never ``from``: with the index's
    result window lowered from 10,000 to 25, a from/size search past it is refused by the engine,
    and the scan still hands out all 60 articles, each once, newest first."""
    empty_backend.upsert([art(n, f"خبر {n}", f"نص المفاوضات رقم {n}") for n in range(60)])
    empty_backend.es.indices.put_settings(index=empty_backend.alias, settings={"index.max_result_window": 25})
    with pytest.raises(ApiError):
        empty_backend.es.search(index=empty_backend.alias, query={"match_all": {}}, from_=20, size=10)
    got = list(empty_backend.scan(SearchQuery(text="المفاوضات"), batch=10))
    assert len(got) == len({a["canonical_url"] for a in got}) == 60
    published = [a["published"] for a in got]
    assert published == sorted(published, reverse=True)
