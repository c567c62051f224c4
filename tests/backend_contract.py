"""The SearchBackend contract (``index/base.py``), written once and run against every backend.

This module is not collected by itself (its name does not start with ``test_``). A backend's test
module defines an ``empty_backend`` fixture that yields a fresh, empty instance of its backend and
then does ``from tests.backend_contract import *``, which brings in every contract test below plus
the ``backend`` fixture (the empty backend with the FILLER documents in it). Pytest then runs the
whole contract once per backend module, with that module's fixtures, so skips and failures that
module's fixtures decide (e.g. no Elasticsearch engine) apply to the contract tests too.

Backend-specific behaviour (persistence, index aliases, mappings, …) stays in the backend's module.
"""

from __future__ import annotations

import calendar
from dataclasses import replace

import pytest

from core.record import Article, content_hash
from index.base import SearchBackend, SearchPage, SearchQuery
from index.fields import LEAD_TOKENS, AnalyzedArticle, analysis_key, compute_terms
from index.liveness import LiveState

FILLER = [
    ("الطقس حار في الخليج", "درجات الحرارة ترتفع في معظم المدن خلال الأسبوع المقبل."),
    ("فوز الفريق الوطني", "حقق المنتخب فوزاً كبيراً في مباراة كرة القدم مساء أمس."),
    ("معرض الكتاب يفتح أبوابه", "يشارك مئات الناشرين في معرض الكتاب الدولي هذا العام."),
    ("ارتفاع أسعار النفط", "صعدت أسعار خام برنت مع تراجع المخزونات الأميركية."),
    ("مهرجان السينما", "افتتح مهرجان السينما بعرض فيلم جديد لمخرج شاب."),
    ("أمطار غزيرة", "هطلت أمطار غزيرة على المناطق الساحلية وأغلقت الطرق."),
]

HOSTILE = [
    '"', '""', "*", "NEAR(", "NEAR(a b, 2)", "AND OR NOT", "-x", "^", ":", "{}", "title:مفاوضات",
    '"مفاوضات', 'مفاوضات "الرقة', "في من على", "", "   ", "()", "a*", "'; DROP TABLE articles; --",
    "\\", "\x00", "مفاوضات AND", "OR", "ـــ", "َ", "+", '"" ""', "[]", "#", "😀",
    # Query-DSL and Lucene query-string syntax, and a very long term.
    '{"query": {"match_all": {}}}', "title:* OR body:*", "a" * 5000,
]


def art(n: int, title: str, text: str, **extra) -> Article:
    doc: Article = {
        "url": f"https://news.example/a/{n}",
        "canonical_url": f"https://news.example/article/{n}",
        "source": "alpha",
        "title": title,
        "subtitle": "",
        "text": text,
        "published": f"2024-05-{n % 28 + 1:02d}T09:00:00+03:00",
        "section": "politics",
        "agencies": [],
        "fetched": "2024-06-01T00:00:00Z",
        "warc": {"file": "x.warc.gz", "offset": n * 100, "length": 99},
    }
    doc.update(extra)  # type: ignore[typeddict-item]
    doc["content_hash"] = content_hash(doc["title"], doc["text"])
    return doc


def urls(page: SearchPage) -> list[str]:
    return [h.article["canonical_url"] for h in page.hits]


def search(b: SearchBackend, text: str = "", **kw) -> SearchPage:
    return b.search(SearchQuery(text=text, **kw))


@pytest.fixture
def backend(empty_backend: SearchBackend) -> SearchBackend:
    """The module's ``empty_backend`` with the FILLER documents indexed."""
    empty_backend.upsert([art(100 + i, t, x) for i, (t, x) in enumerate(FILLER)])
    return empty_backend


# -- matching ------------------------------------------------------------------------------


def test_inflection_variants_find_the_document(backend):
    doc = art(1, "بيان رسمي", "استؤنفت المفاوضات حول مستقبل الرقة بعد توقف دام أشهراً.")
    backend.upsert([doc])
    for q in ["مفاوضات الرقة", "ومفاوضات رقه", "بالمفاوضات", "المُفَاوَضَات", "الرقة"]:
        assert urls(search(backend, q)) == [doc["canonical_url"]], q


def test_hamza_and_tashkeel_variants_meet(backend):
    doc = art(2, "زيارة إلى أميركا", "وصل الوفد إلى أمريكا أمس.")
    backend.upsert([doc])
    # A filler story about «الأميركية» stocks shares the stem, below the one with the word itself.
    assert urls(search(backend, "اميركا"))[0] == doc["canonical_url"]
    assert urls(search(backend, "أَمِيرْكَا"))[0] == doc["canonical_url"]


def test_eastern_digits_match_ascii_digits(backend):
    doc = art(3, "ميزانية العام", "أقر البرلمان ميزانية عام 2024 بعجز قدره 15 مليار.")
    backend.upsert([doc])
    assert urls(search(backend, "ميزانية ٢٠٢٤")) == [doc["canonical_url"]]
    assert urls(search(backend, "۱۵ مليار")) == [doc["canonical_url"]]


def test_forgiving_matching_needs_all_of_two_words_then_falls_back(backend):
    one, other = art(4, "مفاوضات", "جولة جديدة"), art(5, "الرقة", "أخبار المدينة")
    backend.upsert([one, other])
    # No document has both words: rather than nothing, those with one of them.
    assert set(urls(search(backend, "مفاوضات الرقة"))) == {one["canonical_url"], other["canonical_url"]}
    both = art(11, "جولة مفاوضات", "تعقد في الرقة")
    backend.upsert([both])
    # Up to two words, all are required as soon as some document has them all.
    page = search(backend, "مفاوضات الرقة")
    assert urls(page) == [both["canonical_url"]] and page.total == 1
    assert search(backend, "مفاوضات").total == 2


def test_forgiving_matching_ranks_by_words_matched(backend):
    three = art(12, "بيان", "اجتمع وزراء الزراعة والمياه والبيئة")
    two = art(13, "وزراء الزراعة والمياه والمياه والمياه", "الزراعة الزراعة")
    one = art(14, "الزراعة", "الزراعة الزراعة الزراعة")
    backend.upsert([three, two, one])
    # Three words: 75 % (two) are required; all three rank above two, whatever the term counts.
    page = search(backend, "الزراعة المياه البيئة")
    assert urls(page) == [three["canonical_url"], two["canonical_url"]]
    assert page.hits[0].missing == [] and page.hits[1].missing == ["البيئة"]
    assert page.hits[0].score > page.hits[1].score


def test_missing_words_are_reported(backend):
    doc = art(15, "افتتاح مستشفى جديد", "افتتح وزير الصحة المستشفى")
    backend.upsert([doc])
    page = search(backend, "مستشفى الصحة زلزال")
    assert urls(page) == [doc["canonical_url"]]
    assert page.hits[0].missing == ["زلزال"]
    assert search(backend, "مستشفى").hits[0].missing == []


def test_stacked_clitics_meet(backend):
    doc = art(16, "دعم المزارعين", "وزارة الزراعة تدعم المزارعين بالصور والأرقام")
    backend.upsert([doc])
    for q in ["وللمزارعين", "وبالصور", "فللمزارعين", "للمزارعين", "مزارعين", "والمزارعون"]:
        assert urls(search(backend, q))[:1] == [doc["canonical_url"]], q


def test_root_variant_found_below_stem_matches(backend):
    derived = art(17, "تقرير", "أكد الطرفان أن التفاوض سيستمر")
    stem_match = art(18, "بيان", "استؤنفت المفاوضات أمس")
    backend.upsert([derived, stem_match])
    assert urls(search(backend, "مفاوضات")) == [stem_match["canonical_url"], derived["canonical_url"]]
    assert urls(search(backend, "تفاوض")) == [derived["canonical_url"], stem_match["canonical_url"]]
    # tanween-alif: «قريبًا» and «قريب» meet on the stem already.
    soon = art(19, "افتتاح", "يفتتح المعرض قريبًا")
    backend.upsert([soon])
    assert urls(search(backend, "قريب")) == [soon["canonical_url"]]


def test_terms_an_extraction_worker_computed_are_indexed_only_for_their_own_text(backend):
    """A record arriving with its index terms (``AnalyzedArticle``, from an extraction worker) is
    indexed with them, not analyzed again — shown by terms of another text, given this text's key —
    and terms whose key names another text are ignored (the text changed after they were computed)."""
    other_terms = compute_terms(art(0, "زلزال يضرب المدينة", "زلزال"))
    carried = art(64, "بيان", "نص")
    stale = art(65, "بيان", "نص آخر")
    backend.upsert([AnalyzedArticle(carried, replace(other_terms, key=analysis_key(carried))),
                    AnalyzedArticle(stale, other_terms)])
    assert urls(search(backend, "زلزال")) == [carried["canonical_url"]]
    stored = backend.get(carried["url"])
    assert stored is not None and stored["title"] == "بيان" and "terms" not in stored


def test_every_changed_capture_is_a_version_and_nothing_else_is(backend):
    """Versions, oldest first: an edit of the text or the headline is one (words added and removed
    against the version before, the capture's time and WARC record), so is each of two edits in
    one batch (a reindex upserts a URL's captures together); a re-fetch with the same content is not."""
    def capture(n: int, title: str, text: str) -> Article:
        return art(70, title, text, fetched=f"2024-06-0{n}T00:00:00Z", warc={"file": "v.warc.gz", "offset": n * 10})

    first = capture(1, "الحكومة تعلن خطة جديدة", "أعلنت الحكومة خطة جديدة للنقل")
    backend.upsert([first])
    backend.upsert([capture(2, first["title"], first["text"])])  # fetched again, unchanged
    edited = capture(3, first["title"], "أعلنت الحكومة اليوم خطة جديدة للنقل العام")
    backend.upsert([edited])
    retitled = capture(4, "الحكومة تعدل خطتها", edited["text"])
    reverted = capture(5, "الحكومة تعدل خطتها", "أعلنت الحكومة خطة للنقل العام")
    backend.upsert([retitled, reverted])
    versions = backend.get(first["url"])["versions"]
    assert [v["content_hash"] for v in versions] == [c["content_hash"] for c in (first, edited, retitled, reverted)]
    assert [v["timestamp"] for v in versions] == [c["fetched"] for c in (first, edited, retitled, reverted)]
    assert [(v["added"], v["removed"]) for v in versions[1:]] == [(2, 0), (2, 3), (0, 2)]
    assert versions[0]["added"] == 9 and versions[0]["warc"]["offset"] == 10
    assert versions[2]["title"] == "الحكومة تعدل خطتها"
    assert backend.get(first["url"])["text"] == reverted["text"], "the latest version is the one searched"


def test_loanword_spellings_meet_in_headline_and_lead(backend):
    """«الديموقراطيين» finds «الديمقراطيين» through the skeleton, kept (like roots) for the headline
    and lead only, below a document spelled as typed; the snippet marks the other spelling."""
    other = art(62, "الديمقراطيون يختارون مرشحهم", "يجتمع الديمقراطيون الأسبوع المقبل.")
    typed = art(63, "الديموقراطيون يختارون مرشحهم", "نص")
    deep = art(64, "تقرير", " ".join(["كلام عام"] * LEAD_TOKENS) + " ثم ذكر الديمقراطيون لاحقا.")
    backend.upsert([other, typed, deep])
    page = search(backend, "الديموقراطيون")
    assert urls(page) == [typed["canonical_url"], other["canonical_url"]]
    assert "<mark>الديمقراطيون</mark>" in page.hits[1].snippet


def test_spelling_variants_meet(backend):
    us = art(20, "زيارة", "وصل الوفد إلى واشنطن في أمريكا")
    isis = art(21, "معارك", "تقدم مقاتلو تنظيم الدولة نحو المدينة")
    backend.upsert([us, isis])
    assert urls(search(backend, "أميركا"))[0] == us["canonical_url"]
    assert urls(search(backend, "داعش")) == [isis["canonical_url"]]
    assert urls(search(backend, "تنظيم الدولة")) == [isis["canonical_url"]]


def test_compound_names_and_hamza_seats_meet(backend):
    joined = art(24, "افتتاح مطار الملك عبدالعزيز", "نص")
    apart = art(25, "توسعة جامعة الملك عبد العزيز", "نص")
    seat = art(26, "تقرير", "قال مسئول في وزارة الشئون البلدية")
    backend.upsert([joined, apart, seat])
    assert set(urls(search(backend, "عبد العزيز"))) == {joined["canonical_url"], apart["canonical_url"]}
    assert set(urls(search(backend, "عبدالعزيز"))) == {joined["canonical_url"], apart["canonical_url"]}
    assert urls(search(backend, "مسؤول الشؤون")) == [seat["canonical_url"]]


def test_headline_proximity_ranks_higher(backend):
    apart = art(22, "الرقة تستأنف مفاوضات", "نص")
    adjacent = art(23, "مفاوضات الرقة تستأنف", "نص")
    backend.upsert([apart, adjacent])
    assert urls(search(backend, "مفاوضات الرقة")) == [adjacent["canonical_url"], apart["canonical_url"]]


def test_headline_fit_is_judged_on_the_headline_alone(backend):
    """Two stories whose headlines carry the same query words: the one whose headline is little
    else ranks first, however long its body — each field is normalized by its own length (as
    Lucene does), not by the length of the whole document."""
    filler = " ".join(f"{t}، {b}" for t, b in FILLER) + " "
    short_head = art(60, "مفاوضات الرقة", filler * 30)
    long_head = art(61, "الرقة تستضيف جولة مفاوضات جديدة بين الأطراف المحلية والإقليمية بعد توقف طويل", "نص قصير.")
    backend.upsert([short_head, long_head])
    assert urls(search(backend, "مفاوضات الرقة")) == [short_head["canonical_url"], long_head["canonical_url"]]


def test_phrase_query(backend):
    near = art(6, "وزير الخارجية يزور دمشق", "قال وزير الخارجية إن المحادثات مثمرة.")
    apart = art(7, "وزير يزور دمشق", "تحدث الوزير عن السياسة الخارجية للبلاد.")
    backend.upsert([near, apart])
    assert set(urls(search(backend, "وزير الخارجية"))) == {near["canonical_url"], apart["canonical_url"]}
    assert urls(search(backend, '"وزير الخارجية"')) == [near["canonical_url"]]
    # Stop words inside a phrase are dropped on both sides, so the phrase still matches.
    doc = art(8, "لقاء", "عقد اجتماع في القاهرة لبحث التهدئة.")
    backend.upsert([doc])
    assert urls(search(backend, '"اجتماع في القاهرة"')) == [doc["canonical_url"]]


def test_phrase_nobody_wrote_falls_back_to_its_words(backend):
    """A quoted phrase no document holds gives the results for its words, each saying the phrase
    was not matched — not an empty page; a phrase that exists stays strict (``test_phrase_query``)."""
    doc = art(65, "سريلانكا أول مستفيد من إنترنت غوغل", "نص")
    other = art(66, "إنترنت أسرع في المدارس", "نص")
    backend.upsert([doc, other])
    page = search(backend, 'سريلانكا "إنترنت جوجل"')
    assert urls(page)[0] == doc["canonical_url"]
    assert page.hits[0].missing == ['"إنترنت جوجل"', "جوجل"]
    assert backend.facets(SearchQuery(text='سريلانكا "إنترنت جوجل"'))["source"] == [("alpha", page.total)]
    strict = search(backend, '"إنترنت غوغل"')
    assert urls(strict) == [doc["canonical_url"]] and strict.hits[0].missing == []


def test_title_match_outranks_body_mention(backend):
    body = art(9, "تقرير اقتصادي", "ذكر التقرير أن الاستفتاء قد يؤثر على الأسواق المالية هذا الربع.")
    title = art(10, "الاستفتاء على الدستور ينطلق", "فتحت مراكز الاقتراع أبوابها صباح اليوم.")
    backend.upsert([body, title])
    page = search(backend, "الاستفتاء")
    assert urls(page) == [title["canonical_url"], body["canonical_url"]]
    assert page.hits[0].score > page.hits[1].score > 0


# -- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_query_strings_never_raise(backend, text):
    page = search(backend, text)
    assert page.total >= 0
    assert backend.count() == len(FILLER)


def test_empty_or_stopword_query_lists_by_filters_newest_first(backend):
    a = art(11, "خبر أ", "نص", source="beta", published="2024-01-01T10:00:00+00:00")
    b = art(12, "خبر ب", "نص", source="beta", published="2024-03-01T10:00:00+00:00")
    backend.upsert([a, b])
    for text in ["", "في من", '"']:
        page = search(backend, text, sources=["beta"])
        assert page.total == 2
        assert urls(page) == [b["canonical_url"], a["canonical_url"]]


# -- filters, sort, pagination -------------------------------------------------------------


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
    assert set(urls(search(backend, "قمة", until="2024-04-20"))) == {c[0], c[1]}  # plain date: whole day
    # Dates compare in UTC: 2024-05-01T01:00+03:00 is 2024-04-30T22:00Z.
    assert urls(search(backend, "قمة", since="2024-04-30", until="2024-04-30")) == [c[2]]
    assert urls(search(backend, "قمة", since="2024-04-30T21:00:00Z", until="2024-05-01T01:00:00+03:00")) == [c[2]]
    assert search(backend, "", agency="رويترز", section="economy").total == 1


def test_what_became_of_a_page_is_recorded_filtered_and_counted(backend):
    """``set_liveness`` records a reading on the article by URL or canonical URL and leaves the rest
    as it was (it is still found by its words, roots included); a page seen gone again keeps the
    day it was first seen gone; ``status`` filters on it, ``changed`` on edited articles, and the
    status facet counts both; a new version of a gone page means it is back."""
    gone = art(80, "تقرير عن التفاوض", "أكد الطرفان أن التفاوض سيستمر في جنيف")
    moved = art(81, "بيان الحكومة", "أصدرت الحكومة بيانا عن التفاوض")
    edited = art(82, "خبر معدل", "نص أول عن التفاوض")
    backend.upsert([gone, moved, edited])
    backend.upsert([{**edited, "text": "نص ثان عن التفاوض", "content_hash": ""}])
    assert backend.set_liveness({
        gone["url"]: LiveState("gone", "2024-07-01T00:00:00Z"),
        moved["canonical_url"]: LiveState("redirected", "2024-07-01T00:00:00Z", "https://other.example/x"),
        "https://news.example/not-indexed": LiveState("gone", "2024-07-01T00:00:00Z"),
    }) == 2
    backend.set_liveness({gone["url"]: LiveState("gone", "2024-07-09T00:00:00Z")})
    stored = backend.get(gone["url"])
    assert stored["live"] == "gone" and stored["removed_since"] == "2024-07-01T00:00:00Z"
    assert stored["text"] == gone["text"] and stored["versions"]
    assert backend.get(moved["url"])["redirected_to"] == "https://other.example/x"
    assert backend.get(edited["url"])["live"] == "alive" and backend.get(edited["url"])["removed_since"] is None
    assert urls(search(backend, "تفاوض", status="gone")) == [gone["canonical_url"]]
    assert urls(search(backend, "تفاوض", status="redirected")) == [moved["canonical_url"]]
    assert urls(search(backend, "", status="changed")) == [edited["canonical_url"]]
    assert gone["canonical_url"] in urls(search(backend, "التفاوض"))
    f = dict(backend.facets(SearchQuery(text="تفاوض")))["status"]
    assert f == [("alive", 1), ("changed", 1), ("gone", 1), ("redirected", 1)]
    assert_clicks_match(backend, SearchQuery(text="تفاوض"))
    backend.upsert([{**gone, "text": gone["text"] + " غدا", "content_hash": ""}])  # it came back, edited
    back = backend.get(gone["url"])
    assert back["live"] == "alive" and back["removed_since"] is None and len(back["versions"]) == 2
    backend.set_liveness({moved["url"]: LiveState("alive", "2024-07-10T00:00:00Z")})
    assert backend.get(moved["url"])["redirected_to"] is None
    assert search(backend, "تفاوض", status="gone").total == 0


def test_invalid_date_filter_is_a_value_error(backend):
    with pytest.raises(ValueError):
        search(backend, "قمة", since="yesterday")


def test_sort_by_date(backend):
    old = art(30, "الاستفتاء المحلي", "الاستفتاء الاستفتاء الاستفتاء", published="2023-01-01T00:00:00Z")
    new = art(31, "تقرير", "أجري الاستفتاء", published="2024-06-01T00:00:00Z")
    undated = art(32, "تقرير آخر", "الاستفتاء", published=None)
    backend.upsert([old, new, undated])
    assert urls(search(backend, "الاستفتاء"))[0] == old["canonical_url"]
    assert urls(search(backend, "الاستفتاء", sort="date")) == [
        new["canonical_url"], old["canonical_url"], undated["canonical_url"]]


def test_pagination(backend):
    docs = [art(40 + i, f"حصيلة رقم {i}", "حصيلة الأخبار اليومية", published=f"2024-02-{i + 1:02d}T08:00:00Z")
            for i in range(7)]
    backend.upsert(docs)
    seen: list[str] = []
    for page_no in (1, 2, 3):
        page = search(backend, "حصيلة", sort="date", page=page_no, per_page=3)
        assert page.total == 7
        seen += urls(page)
    assert seen == [d["canonical_url"] for d in reversed(docs)]
    assert search(backend, "حصيلة", page=4, per_page=3).hits == []
    # Out-of-range paging is clamped, not an error: page 0 is page 1, per_page 0 is the default.
    assert len(search(backend, "حصيلة", page=0, per_page=0).hits) == 7
    assert len(search(backend, "حصيلة", page=-2, per_page=-5).hits) == 1
    # Far past the end (and past Elasticsearch's 10,000-hit result window): empty, with the true total.
    far = search(backend, "حصيلة", page=10**6, per_page=50)
    assert far.total == 7 and far.hits == []


# -- upsert, get, clear ----------------------------------------------------------------------


def test_upsert_is_idempotent(empty_backend):
    b = empty_backend
    doc = art(50, "عنوان", "نص الخبر")
    assert b.upsert([doc]).indexed == 1
    again = b.upsert([doc])
    assert (again.indexed, again.updated, again.unchanged, again.failed) == (0, 0, 1, [])
    assert b.count() == 1
    # The same page twice in one batch is also one document.
    r = b.upsert([art(51, "آخر", "نص"), art(51, "آخر", "نص")])
    assert (r.indexed, r.unchanged, b.count()) == (1, 1, 2)


def test_updated_content_replaces(empty_backend):
    b = empty_backend
    b.upsert([art(60, "عنوان أول", "الحكومة تعلن خطة")])
    result = b.upsert([art(60, "عنوان معدل", "البرلمان يقر الميزانية")])
    assert (result.indexed, result.updated) == (0, 1)
    assert b.count() == 1
    assert search(b, "الحكومة").total == 0
    assert search(b, "الميزانية").total == 1
    assert b.get("https://news.example/article/60")["title"] == "عنوان معدل"


def test_key_falls_back_to_url_and_get_by_either(empty_backend):
    b = empty_backend
    no_canon = art(70, "خبر", "نص", canonical_url="")
    bad = {"title": "بلا رابط", "text": "نص"}
    r = b.upsert([no_canon, bad])  # type: ignore[list-item]
    assert r.indexed == 1 and len(r.failed) == 1
    assert b.get("https://news.example/a/70")["title"] == "خبر"
    b.upsert([art(71, "خبر", "نص")])
    assert b.get("https://news.example/a/71") == b.get("https://news.example/article/71")
    assert b.get("https://nowhere.example/") is None
    assert b.get("https://news.example/a/71")["warc"] == {"file": "x.warc.gz", "offset": 7100, "length": 99}


def test_missing_content_hash_is_computed(empty_backend):
    b = empty_backend
    doc = art(80, "عنوان", "نص")
    del doc["content_hash"]
    b.upsert([doc])
    assert b.upsert([dict(doc)]).unchanged == 1  # type: ignore[list-item]
    assert b.get(doc["canonical_url"])["content_hash"] == content_hash("عنوان", "نص")


def test_clear_empties_and_refills(backend):
    assert backend.count() == len(FILLER)
    backend.clear()
    assert backend.count() == 0
    assert search(backend, "").total == 0
    assert search(backend, "مهرجان السينما").total == 0
    assert backend.get("https://news.example/article/100") is None
    backend.upsert([art(90, "مفاوضات الرقة", "نص")])
    assert backend.count() == 1
    assert urls(search(backend, "مفاوضات")) == ["https://news.example/article/90"]


def test_upsert_batch_keeps_the_last_copy_of_a_url(empty_backend):
    """One batch holding a URL twice, with other content the second time, stores the second copy."""
    b = empty_backend
    first, second = art(52, "عنوان أول", "الحكومة تعلن خطة"), art(52, "عنوان معدل", "البرلمان يقر الميزانية")
    r = b.upsert([first, second, dict(second)])  # type: ignore[list-item]
    assert (r.indexed, r.updated, r.unchanged, r.failed) == (1, 1, 1, [])
    assert b.count() == 1 and b.get(first["canonical_url"])["title"] == "عنوان معدل"
    assert search(b, "الحكومة").total == 0 and search(b, "الميزانية").total == 1


def test_rebuild_replaces_everything_and_a_failed_one_leaves_a_usable_index(backend):
    """What ``akhbar reindex`` relies on from every backend (``index.base.SearchBackend``)."""
    backend.begin_rebuild()
    backend.upsert([art(90, "مفاوضات الرقة", "نص")])
    backend.finish_rebuild()
    assert backend.count() == 1
    assert urls(search(backend, "مفاوضات")) == ["https://news.example/article/90"]
    assert backend.get("https://news.example/article/100") is None
    backend.begin_rebuild()
    backend.upsert([art(91, "مفاوضات جديدة", "نص")])
    backend.abort_rebuild()
    backend.upsert([art(92, "مفاوضات لاحقة", "نص")])  # a crawl after the failure: searchable at once
    assert "https://news.example/article/92" in urls(search(backend, "مفاوضات"))


# -- hit snippets ----------------------------------------------------------------------------


def test_hit_snippet_marks_and_escapes(backend):
    doc = art(95, "عنوان", "قبل <script>alert(1)</script> بدأت المفاوضات & استمرت في الرقة.")
    backend.upsert([doc])
    snip = search(backend, "مفاوضات").hits[0].snippet
    assert "<mark>المفاوضات</mark>" in snip
    assert "&lt;script&gt;" in snip and "<script>" not in snip
    assert "&amp;" in snip


def test_hit_snippet_falls_back_to_title(backend):
    backend.upsert([art(96, "زلزال يضرب المنطقة", "لم تسجل أي أضرار.")])
    assert search(backend, "زلزال").hits[0].snippet == "<mark>زلزال</mark> يضرب المنطقة"


# -- facets ----------------------------------------------------------------------------------

FACET_NAMES = ("source", "section", "agency", "month", "status", "original_source")
NO_FACETS: dict[str, list] = {name: [] for name in FACET_NAMES}


def facet_art(n: int, source: str, section: str, agencies: list[str], published: str | None,
              text: str) -> Article:
    return {"url": f"http://example.com/{n}", "source": source, "section": section,  # type: ignore[typeddict-item]
            "agencies": agencies, "published": published, "title": f"خبر {n}", "text": text}


@pytest.fixture
def facet_backend(empty_backend: SearchBackend) -> SearchBackend:
    """The module's ``empty_backend`` with four documents made for facet counts (no FILLER)."""
    empty_backend.upsert([
        facet_art(1, "a", "سياسة", ["رويترز", "أ ف ب"], "2017-06-10T12:00:00+03:00", "مفاوضات الرقة"),
        facet_art(2, "a", "اقتصاد", ["رويترز"], "2017-06-30T23:30:00-02:00", "مفاوضات النفط"),  # July in UTC
        facet_art(3, "b", "سياسة", [], "2017-05-01T10:00:00+00:00", "مفاوضات جنيف"),
        facet_art(4, "b", "", ["سانا", ""], None, "مباراة كرة القدم"),
    ])
    return empty_backend


def month_bounds(month: str) -> tuple[str, str]:
    """``YYYY-MM`` → since/until covering that UTC month (the web's ``month_range`` does the same)."""
    year, mon = (int(p) for p in month.split("-"))
    return f"{month}-01", f"{month}-{calendar.monthrange(year, mon)[1]:02d}"


def narrowed(query: SearchQuery, name: str, value: str) -> SearchQuery:
    """``query`` with one facet value added as a filter: what a click on it searches."""
    q = SearchQuery(text=query.text, sources=list(query.sources), section=query.section, agency=query.agency,
                    since=query.since, until=query.until, status=query.status,
                    original_source=query.original_source)
    if name == "source":
        q.sources = [value]
    elif name == "section":
        q.section = value
    elif name == "agency":
        q.agency = value
    elif name == "month":
        q.since, q.until = month_bounds(value)
    elif name == "status":
        q.status = value
    elif name == "original_source":
        q.original_source = value
    return q


def assert_clicks_match(b: SearchBackend, query: SearchQuery) -> None:
    for name, values in b.facets(query).items():
        for value, count in values:
            assert b.search(narrowed(query, name, value)).total == count, (name, value)


def test_facets_count_the_matching_documents(facet_backend):
    f = facet_backend.facets(SearchQuery(text="مفاوضات"))
    assert f["source"] == [("a", 2), ("b", 1)]
    assert f["section"] == [("سياسة", 2), ("اقتصاد", 1)]
    assert f["agency"] == [("رويترز", 2), ("أ ف ب", 1)]
    assert f["month"] == [("2017-07", 1), ("2017-06", 1), ("2017-05", 1)], "UTC months, newest first"
    assert f["status"] == [("alive", 3)], "an indexed article came from a page that answered"


def test_facets_follow_filters_and_match_search_totals(facet_backend):
    query = SearchQuery(text="مفاوضات", sources=["a"])
    f = facet_backend.facets(query)
    assert f["source"] == [("a", 2)] and ("سياسة", 1) in f["section"]
    assert_clicks_match(facet_backend, query)
    assert_clicks_match(facet_backend, SearchQuery(text="مفاوضات"))
    assert_clicks_match(facet_backend, SearchQuery())
    dated = SearchQuery(since="2017-06-01", until="2017-06-30")  # UTC: doc 2 is July
    assert facet_backend.facets(dated)["month"] == [("2017-06", 1)]
    assert facet_backend.facets(SearchQuery(agency="رويترز"))["source"] == [("a", 2)]


def test_facets_without_text_cover_everything_and_skip_empty_values(facet_backend):
    f = facet_backend.facets(SearchQuery())
    assert f["source"] == [("a", 2), ("b", 2)]
    assert "" not in dict(f["section"]) and len(f["month"]) == 3
    assert dict(f["agency"])["سانا"] == 1
    assert facet_backend.facets(SearchQuery(text="لاشيءمطابق")) == NO_FACETS
    # A document with no source, section, agency or date counts in no facet, but in the total.
    facet_backend.upsert([facet_art(5, "", "", [""], None, "مباراة")])
    f = facet_backend.facets(SearchQuery())
    assert f["source"] == [("a", 2), ("b", 2)] and facet_backend.search(SearchQuery()).total == 5
    assert all(value for values in f.values() for value, _ in values), "no empty value anywhere"


def test_facets_limit_and_order(empty_backend):
    # source s0..s5 with counts 1,1,2,2,3,3 → count desc, then value asc; months unlimited.
    docs = [facet_art(10 + i, f"s{i}", f"sec{i % 2}", [f"ag{j}" for j in range(i % 3 + 1)],
                      f"20{10 + i:02d}-0{i % 9 + 1}-15T12:00:00Z", "نص")
            for i in range(6) for _ in range(i // 2 + 1)]
    for i, d in enumerate(docs):
        d["url"] = f"http://example.com/limit/{i}"
    empty_backend.upsert(docs)
    f = empty_backend.facets(SearchQuery(), limit=3)
    assert f["source"] == [("s4", 3), ("s5", 3), ("s2", 2)]
    assert f["section"] == [("sec0", 6), ("sec1", 6)]
    assert f["agency"] == [("ag0", 12), ("ag1", 9), ("ag2", 5)]
    assert [m for m, _ in f["month"]] == ["2015-06", "2014-05", "2013-04", "2012-03", "2011-02", "2010-01"]
    full = empty_backend.facets(SearchQuery())
    assert [v for v, _ in full["source"]] == ["s4", "s5", "s2", "s3", "s0", "s1"]
    assert empty_backend.facets(SearchQuery(), limit=1)["source"] == [("s4", 3)]


def test_facets_agency_keeps_its_spelling_and_counts_documents(empty_backend):
    empty_backend.upsert([
        facet_art(30, "a", "", ["AFP", "رويترز"], None, "قمة"),
        facet_art(31, "a", "", ["AFP"], None, "قمة"),
    ])
    f = empty_backend.facets(SearchQuery(text="قمة"))
    assert f["agency"] == [("AFP", 2), ("رويترز", 1)], "as stored, not lowercased; one count per document"
    assert empty_backend.search(SearchQuery(text="قمة", agency="AFP")).total == 2
    assert_clicks_match(empty_backend, SearchQuery(text="قمة"))


def test_facets_group_agency_spellings_like_the_filter(empty_backend):
    """«AFP» and «afp» are one agency to the filter, so they are one facet value too (count = click)."""
    empty_backend.upsert([
        facet_art(40, "a", "", ["AFP"], None, "قمة"),
        facet_art(41, "a", "", ["afp"], None, "قمة"),
    ])
    (value, count), = empty_backend.facets(SearchQuery(text="قمة"))["agency"]
    assert value.lower() == "afp" and count == 2
    assert_clicks_match(empty_backend, SearchQuery(text="قمة"))


def test_facets_reject_bad_dates_and_survive_hostile_text(backend):
    with pytest.raises(ValueError):
        backend.facets(SearchQuery(since="yesterday"))
    for text in HOSTILE:
        f = backend.facets(SearchQuery(text=text))
        assert set(f) == set(FACET_NAMES), text
        assert sum(n for _, n in f["source"]) == backend.search(SearchQuery(text=text)).total, text


# -- stories (index.stories) ---------------------------------------------------------------------

def _sample(site: str, path: str | None = None, *, seed: bool = False):
    from samples.catalog import site_articles

    return next(a for a in site_articles(site) if (seed and "seed" in a.flags) or a.url_path == path)


def _story_docs() -> dict[str, Article]:
    """The DW seed, the Al-Watan seed (another event of the same negotiations), the aggregator's copy
    of the DW seed under its own headline with a dateline and a trailer, and an edited copy (every
    seventh word changed, the last paragraph dropped)."""
    dw, watan = _sample("dw", seed=True), _sample("watan", seed=True)
    words = "\n".join(dw.body[:-1]).split(" ")
    edited = " ".join("تعديل" if i % 7 == 3 else w for i, w in enumerate(words))
    return {
        "dw": art(90, dw.title, dw.text, source="sample-dw", published="2017-06-10T10:00:00+02:00"),
        "watan": art(91, watan.title, watan.text, source="sample-watan", published="2017-06-10T09:00:00+03:00"),
        "copy": art(92, "مفاوضات لخروج مسلحي داعش من الرقة", "دمشق - وكالات\n" + dw.text + "\n(المصدر: DW)",
                    source="sample-aggregator", published="2017-06-10T14:00:00+03:00"),
        "edited": art(93, dw.title, edited, source="beta", published="2017-06-11T08:00:00+03:00"),
    }


def _stories(b: SearchBackend, docs: dict[str, Article]) -> dict[str, str]:
    return {name: b.get(d["url"])["story_id"] for name, d in docs.items()}


def test_copies_share_a_story_and_another_event_on_the_topic_does_not(empty_backend):
    docs = _story_docs()
    empty_backend.upsert([docs["dw"], docs["watan"]])
    empty_backend.upsert([docs["copy"]])
    empty_backend.upsert([docs["edited"]])
    story = _stories(empty_backend, docs)
    assert story["dw"] == story["copy"] == story["edited"] != story["watan"]
    assert empty_backend.get(docs["copy"]["url"])["story_similarity"] >= 0.9
    assert 0.5 <= empty_backend.get(docs["edited"]["url"])["story_similarity"] < 0.9
    members = empty_backend.members([story["dw"], story["watan"], "s-none"])
    assert [m["source"] for m in members[story["dw"]]] == ["sample-dw", "sample-aggregator", "beta"], "earliest first"
    assert len(members[story["watan"]]) == 1 and "s-none" not in members
    assert "story_sketch" not in empty_backend.get(docs["dw"]["url"])
    # One batch (a reindex) groups the same way, whatever the order inside it.
    empty_backend.clear()
    empty_backend.upsert([docs["edited"], docs["watan"], docs["copy"], docs["dw"]])
    again = _stories(empty_backend, docs)
    assert again["dw"] == again["copy"] == again["edited"] != again["watan"]


def test_facet_and_filter_on_the_credited_original_source(empty_backend):
    empty_backend.upsert([art(95, "خبر", "نص عن المفاوضات", original_source="سانا"),
                          art(96, "خبر آخر", "نص آخر عن المفاوضات", original_source="سانا"),
                          art(97, "خبر ثالث", "نص ثالث عن المفاوضات", original_source="DW"),
                          art(98, "خبر رابع", "نص رابع عن المفاوضات")])
    assert empty_backend.facets(SearchQuery(text="مفاوضات"))["original_source"] == [("سانا", 2), ("DW", 1)]
    assert search(empty_backend, "مفاوضات", original_source="DW").total == 1
    assert_clicks_match(empty_backend, SearchQuery(text="مفاوضات"))


def test_search_collapses_copies_into_one_result_per_story(empty_backend):
    from index.story_search import search_stories

    docs = _story_docs()
    empty_backend.upsert(list(docs.values()))
    every = search_stories(empty_backend, SearchQuery(text="مفاوضات الرقة"))
    assert len(every.hits) == 4
    one = search_stories(empty_backend, SearchQuery(text="مفاوضات الرقة", collapse=True))
    assert one.total == 4 and len(one.hits) == 2
    by_story = {h.article["story_id"]: h for h in one.hits}
    dw_story = empty_backend.get(docs["dw"]["url"])["story_id"]
    assert sorted(c["source"] for c in by_story[dw_story].copies) == sorted(
        {"sample-dw", "sample-aggregator", "beta"} - {by_story[dw_story].article["source"]})
    second = search_stories(empty_backend, SearchQuery(text="مفاوضات الرقة", collapse=True, page=2, per_page=1))
    assert [h.article["story_id"] for h in second.hits] == [one.hits[1].article["story_id"]]


# What the backend modules' ``import *`` takes: the fixtures and every contract test, so a test
# added here runs on every backend without being listed.
# -- scan (exports) -----------------------------------------------------------------------------


def _scan_keys(b: SearchBackend, batch: int = 7, **kw) -> list[str]:
    return [a["canonical_url"] for a in b.scan(SearchQuery(**kw), batch=batch)]


def test_scan_streams_every_match_in_batches_newest_first(backend):
    """``scan`` reads past any page size in batches: every article once, newest published first,
    the undated ones last — the same set ``search`` counts, for the text and for a filter."""
    extra = [art(200 + n, f"خبر رقم {n}", f"نص المفاوضات في الرقة رقم {n}", source="beta" if n % 3 else "alpha")
             for n in range(23)]
    extra += [art(300 + n, f"خبر بلا تاريخ {n}", "نص المفاوضات بلا تاريخ", published=None) for n in range(9)]
    backend.upsert(extra)
    everything = _scan_keys(backend)
    assert len(everything) == len(set(everything)) == len(FILLER) + len(extra)
    by_key = {a["canonical_url"]: a for a in [*extra]}
    dated = [k for k in everything if k not in by_key or by_key[k].get("published")]
    assert everything[:len(dated)] == dated  # the undated ones come last
    published = [backend.get(k)["published"] for k in dated]
    assert [p[:10] for p in published] == sorted((p[:10] for p in published), reverse=True)

    matched = _scan_keys(backend, text="المفاوضات")
    assert len(matched) == search(backend, "المفاوضات").total == 32
    assert set(matched) == set(urls(search(backend, "المفاوضات", per_page=100)))
    beta = _scan_keys(backend, batch=4, sources=["beta"], text="المفاوضات")
    assert len(beta) == search(backend, "المفاوضات", sources=["beta"]).total == 15
    assert all(backend.get(k)["source"] == "beta" for k in beta)
    assert _scan_keys(backend, text="كلمةغيرموجودةأبدا") == []


def test_scan_refuses_a_bad_date_before_streaming(backend):
    with pytest.raises(ValueError):
        backend.scan(SearchQuery(since="not-a-date"))


__all__ = ["backend", "facet_backend", *(name for name in list(globals()) if name.startswith("test_"))]
