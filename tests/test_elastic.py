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

from akhbar.record import Article
from index.analysis import analyze
from index.base import SearchQuery
from index.embedded import EmbeddedBackend
from tests.conftest import akhbar
from tests.test_embedded import FILLER, HOSTILE, art

pytest.importorskip("elasticsearch")

from elasticsearch import Elasticsearch

from index.elastic import ElasticBackend, doc_id
from index.es_mapping import ANALYZER

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
def empty(es_url, prefix) -> Iterator[ElasticBackend]:
    b = ElasticBackend(es_url, prefix)
    yield b
    b.close()


@pytest.fixture
def backend(empty) -> ElasticBackend:
    empty.upsert([art(100 + i, t, x) for i, (t, x) in enumerate(FILLER)])
    return empty


def urls(page) -> list[str]:
    return [h.article["canonical_url"] for h in page.hits]


def search(b, text: str = "", **kw):
    return b.search(SearchQuery(text=text, **kw))


# -- the analyzer ---------------------------------------------------------------------------

TRICKY = [
    "والمفاوضات", "بالمفاوضات", "للمفاوضات", "كالمفاوضات", "فالمفاوضات", "المُفَاوَضَات", "مفاوضـــات",
    "الرقّة", "رقه", "الرقة", "مدرسة", "المدرسة", "مدرستها", "معلمون", "المعلمين", "الولايات", "وزير",
    "أمريكا", "إيران", "آثار", "ٱلْكِتَابُ", "هٰذا", "مستشفى", "مصطفى", "على", "إلى", "أن", "إن", "الذي",
    "٢٠٢٤", "۱۵", "2024", "COVID-19", "Ünïcödé", "ـَ", "ـــ", "َ", "ٌّ", "و", "وو", "ال", "لل", "بال",
    "a_b", "x²", "①", "😀", "سوريّة", "السورية", "سوريا", "حلب", "دمشق—بيروت", "«الوطن»", "ة", "يه", "ية",
    "بدأت المفاوضات في الرقة", "وأكد الرئيس أن الحكومة ستعمل على تحسين الأوضاع الاقتصادية",
    "قال وزير الخارجية إن المحادثات مثمرة", "١٢ مليار دولار في ٣ سنوات",
]


def _engine_terms(client: Elasticsearch, index: str, text: str) -> list[str]:
    resp = client.indices.analyze(index=index, analyzer=ANALYZER, text=text)
    return [t["token"] for t in resp["tokens"]]


def test_engine_analyzer_matches_python_analysis(empty):
    mismatches = {}
    for text in TRICKY:
        engine = _engine_terms(empty.es, empty.alias, text)
        if engine != analyze(text):
            mismatches[text] = (engine, analyze(text))
    assert not mismatches, f"engine vs index.analysis: {mismatches}"


def test_mapping_and_template(empty):
    index = empty.indices_of(empty.alias)
    assert index == [f"{empty.alias}-v1"] == empty.indices_of(empty.write_alias)
    props = empty.es.indices.get_mapping(index=empty.alias)[index[0]]["mappings"]["properties"]
    assert props["title"]["analyzer"] == ANALYZER and props["title"]["fields"]["raw"]["type"] == "keyword"
    assert props["body"]["analyzer"] == ANALYZER
    assert props["published"]["type"] == "date"
    for field in ("source", "section", "agencies", "url", "canonical_url", "content_hash"):
        assert props[field]["type"] == "keyword", field
    assert {k: v["type"] for k, v in props["warc"]["properties"].items()} == {
        "file": "keyword", "offset": "long", "length": "long", "record_id": "keyword"}
    assert empty.es.indices.exists_index_template(name=empty.template)


# -- upserts --------------------------------------------------------------------------------


def test_upsert_is_idempotent(empty):
    doc = art(50, "عنوان", "نص الخبر")
    assert empty.upsert([doc]).indexed == 1
    again = empty.upsert([doc])
    assert (again.indexed, again.updated, again.unchanged, again.failed) == (0, 0, 1, [])
    assert empty.count() == 1
    r = empty.upsert([art(51, "آخر", "نص"), art(51, "آخر", "نص")])
    assert (r.indexed, r.unchanged, empty.count()) == (1, 1, 2)
    assert empty.es.get(index=empty.alias, id=doc_id(doc["canonical_url"]))["found"]


def test_updated_content_replaces(empty):
    empty.upsert([art(60, "عنوان أول", "الحكومة تعلن خطة")])
    result = empty.upsert([art(60, "عنوان معدل", "البرلمان يقر الميزانية")])
    assert (result.indexed, result.updated) == (0, 1)
    assert empty.count() == 1
    assert search(empty, "الحكومة").total == 0
    assert search(empty, "الميزانية").total == 1
    assert empty.get("https://news.example/article/60")["title"] == "عنوان معدل"


def test_partial_bulk_failure_is_reported_not_dropped(empty):
    good = [art(61, "خبر سليم", "نص"), art(62, "خبر آخر", "نص")]
    bad = art(63, "تاريخ معطوب", "نص", published="الأسبوع الماضي")
    no_key: Article = {"title": "بلا رابط", "text": "نص"}
    r = empty.upsert([good[0], bad, no_key, good[1]])
    assert r.indexed == 2
    assert len(r.failed) == 2
    reasons = dict(r.failed)
    assert "published" in reasons[bad["url"]] and "400" in reasons[bad["url"]]
    assert empty.count() == 2


def test_key_falls_back_to_url_and_get_by_either(empty):
    empty.upsert([art(70, "خبر", "نص", canonical_url="")])
    assert empty.get("https://news.example/a/70")["title"] == "خبر"
    empty.upsert([art(71, "خبر", "نص")])
    assert empty.get("https://news.example/a/71") == empty.get("https://news.example/article/71")
    assert empty.get("https://nowhere.example/") is None
    assert empty.get("https://news.example/a/71")["warc"] == {"file": "x.warc.gz", "offset": 7100, "length": 99}


# -- versioned index behind aliases ----------------------------------------------------------


def test_clear_swaps_to_a_new_version_atomically(empty):
    empty.upsert([art(90, "مفاوضات الرقة", "نص")])
    empty.clear()
    assert empty.indices_of(empty.alias) == [f"{empty.alias}-v2"] == empty.indices_of(empty.write_alias)
    assert not empty.es.indices.exists(index=f"{empty.alias}-v1")
    assert empty.count() == 0 and search(empty, "مفاوضات").total == 0
    empty.upsert([art(90, "مفاوضات الرقة", "نص")])
    assert search(empty, "مفاوضات").total == 1


def test_rebuild_keeps_serving_the_old_index_until_the_swap(es_url, empty):
    empty.upsert([art(91, "مفاوضات قديمة", "نص")])
    new = empty.begin_rebuild()
    empty.upsert([art(92, "مفاوضات جديدة", "نص")])
    assert urls(search(empty, "مفاوضات")) == ["https://news.example/article/91"]
    # Another process opening the backend mid-rebuild sees the same thing and does not interfere.
    other = ElasticBackend(es_url, empty.prefix)
    assert other.count() == 1
    other.close()
    empty.finish_rebuild()
    assert empty.indices_of(empty.alias) == [new]
    assert urls(search(empty, "مفاوضات")) == ["https://news.example/article/92"]


# -- search ---------------------------------------------------------------------------------


def test_inflection_and_spelling_variants(backend):
    doc = art(1, "بيان رسمي", "استؤنفت المفاوضات حول مستقبل الرقة بعد توقف دام أشهراً.")
    digits = art(3, "ميزانية العام", "أقر البرلمان ميزانية عام 2024 بعجز قدره 15 مليار.")
    backend.upsert([doc, digits])
    for q in ["مفاوضات الرقة", "ومفاوضات رقه", "بالمفاوضات", "المُفَاوَضَات", "الرقة"]:
        assert urls(search(backend, q)) == [doc["canonical_url"]], q
    assert urls(search(backend, "ميزانية ٢٠٢٤")) == [digits["canonical_url"]]
    assert urls(search(backend, "۱۵ مليار")) == [digits["canonical_url"]]


def test_terms_are_anded_and_title_outranks_body(backend):
    backend.upsert([art(4, "مفاوضات", "جولة جديدة"), art(5, "الرقة", "أخبار المدينة")])
    assert search(backend, "مفاوضات الرقة").total == 0
    body = art(9, "تقرير اقتصادي", "ذكر التقرير أن الانتخابات قد تؤثر على الأسواق المالية هذا الربع.")
    title = art(10, "الانتخابات البرلمانية تنطلق", "فتحت مراكز الاقتراع أبوابها صباح اليوم.")
    backend.upsert([body, title])
    page = search(backend, "الانتخابات")
    assert urls(page) == [title["canonical_url"], body["canonical_url"]]
    assert page.hits[0].score > page.hits[1].score > 0


def test_phrase_query(backend):
    near = art(6, "وزير الخارجية يزور دمشق", "قال وزير الخارجية إن المحادثات مثمرة.")
    apart = art(7, "وزير يزور دمشق", "تحدث الوزير عن السياسة الخارجية للبلاد.")
    backend.upsert([near, apart])
    assert set(urls(search(backend, "وزير الخارجية"))) == {near["canonical_url"], apart["canonical_url"]}
    assert urls(search(backend, '"وزير الخارجية"')) == [near["canonical_url"]]
    doc = art(8, "لقاء", "عقد اجتماع في القاهرة لبحث التهدئة.")
    backend.upsert([doc])
    assert urls(search(backend, '"اجتماع في القاهرة"')) == [doc["canonical_url"]]


@pytest.mark.parametrize("text", [*HOSTILE, '{"query": {"match_all": {}}}', "title:* OR body:*", "a" * 5000])
def test_hostile_query_strings_never_raise(backend, text):
    page = search(backend, text)
    assert page.total >= 0
    assert backend.count() == len(FILLER)


def test_filters(backend):
    docs = [
        art(20, "قمة اقتصادية", "ناقشت القمة الاقتصادية التجارة.", source="alpha", section="economy",
            agencies=["رويترز"], published="2024-04-10T12:00:00+03:00"),
        art(21, "قمة عربية", "انطلقت القمة العربية في الرياض.", source="beta", section="politics",
            agencies=["AFP", "رويترز"], published="2024-04-20T12:00:00+03:00"),
        art(22, "قمة المناخ", "تنطلق قمة المناخ الشهر المقبل.", source="gamma", section="politics",
            agencies=[], published="2024-05-01T01:00:00+03:00"),
    ]
    backend.upsert(docs)
    c = [d["canonical_url"] for d in docs]
    assert set(urls(search(backend, "قمة", sources=["alpha", "gamma"]))) == {c[0], c[2]}
    assert set(urls(search(backend, "قمة", section="politics"))) == {c[1], c[2]}
    assert set(urls(search(backend, "قمة", agency="رويترز"))) == {c[0], c[1]}
    assert urls(search(backend, "قمة", agency="afp")) == [c[1]]
    assert set(urls(search(backend, "قمة", since="2024-04-15"))) == {c[1], c[2]}
    assert set(urls(search(backend, "قمة", until="2024-04-20"))) == {c[0], c[1]}
    assert urls(search(backend, "قمة", since="2024-04-30", until="2024-04-30")) == [c[2]]
    assert urls(search(backend, "قمة", since="2024-04-30T21:00:00Z", until="2024-05-01T01:00:00+03:00")) == [c[2]]
    assert search(backend, "", agency="رويترز", section="economy").total == 1
    with pytest.raises(ValueError):
        search(backend, "قمة", since="yesterday")


def test_sort_by_date_and_pagination(backend):
    old = art(30, "الانتخابات المحلية", "الانتخابات الانتخابات الانتخابات", published="2023-01-01T00:00:00Z")
    new = art(31, "تقرير", "أجريت الانتخابات", published="2024-06-01T00:00:00Z")
    undated = art(32, "تقرير آخر", "الانتخابات", published=None)
    backend.upsert([old, new, undated])
    assert urls(search(backend, "الانتخابات"))[0] == old["canonical_url"]
    assert urls(search(backend, "الانتخابات", sort="date")) == [
        new["canonical_url"], old["canonical_url"], undated["canonical_url"]]
    docs = [art(40 + i, f"نشرة رقم {i}", "نشرة الأخبار اليومية", published=f"2024-02-{i + 1:02d}T08:00:00Z")
            for i in range(7)]
    backend.upsert(docs)
    seen: list[str] = []
    for page_no in (1, 2, 3):
        page = search(backend, "نشرة", sort="date", page=page_no, per_page=3)
        assert page.total == 7
        seen += urls(page)
    assert seen == [d["canonical_url"] for d in reversed(docs)]
    assert search(backend, "نشرة", page=4, per_page=3).hits == []
    assert len(search(backend, "نشرة", page=0, per_page=0).hits) == 7
    far = search(backend, "نشرة", page=10**6, per_page=50)
    assert far.total == 7 and far.hits == []


def test_snippets_are_the_embedded_backends(backend):
    doc = art(95, "عنوان", "قبل <script>alert(1)</script> بدأت المفاوضات & استمرت في الرقة.")
    backend.upsert([doc, art(96, "زلزال يضرب المنطقة", "لم تسجل أي أضرار.")])
    snip = search(backend, "مفاوضات").hits[0].snippet
    assert "<mark>المفاوضات</mark>" in snip and "&lt;script&gt;" in snip and "<script>" not in snip
    assert search(backend, "زلزال").hits[0].snippet == "<mark>زلزال</mark> يضرب المنطقة"


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


def test_same_results_as_the_embedded_backend(empty, tmp_path):
    docs = [art(200 + i, t, x, published=f"2024-03-{i + 1:02d}T10:00:00Z") for i, (t, x) in enumerate(CORPUS)]
    docs += [art(300 + i, t, x) for i, (t, x) in enumerate(FILLER)]
    embedded = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        embedded.upsert(docs)
        empty.upsert(docs)
        for q in QUERIES:
            e, s = search(embedded, q, per_page=50), search(empty, q, per_page=50)
            assert e.total == s.total, q
            assert set(urls(e)) == set(urls(s)), q  # the same documents match
            if e.hits:
                assert urls(e)[0] == urls(s)[0], q  # and the best one is the same
                assert [h.snippet for h in e.hits if h.article["canonical_url"] == urls(s)[0]] == \
                    [s.hits[0].snippet], q
    finally:
        embedded.close()


# -- end to end: reindex from a real crawl's WARCs --------------------------------------------


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
