"""Arabic publication dates: month families, digits, ص/م, relative forms, and the extraction order."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dateutil.parser
import pytest

from pipelines.dates import (
    ArabicParserInfo,
    DateInfo,
    extract_dates,
    find_visible_date,
    fold_digits,
    normalize_date_text,
    parse_arabic_date,
)

DAMASCUS = ZoneInfo("Asia/Damascus")
NOW = datetime(2017, 6, 27, 15, 0, tzinfo=DAMASCUS)
FETCHED = datetime(2017, 6, 28, 12, 0, tzinfo=UTC)

LEVANTINE = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
             "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"]
GULF = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
        "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]
VARIANTS = [("ابريل", 4), ("إبريل", 4), ("يونيه", 6), ("يوليه", 7), ("اغسطس", 8), ("اكتوبر", 10),
            ("كانون ثاني", 1), ("تشرين أول", 10), ("اذار", 3), ("ايار", 5)]
MAGHREBI = [("جانفي", 1), ("فيفري", 2), ("أفريل", 4), ("ماي", 5), ("جوان", 6), ("جويلية", 7), ("أوت", 8)]
MONTH_CASES = [*((n, i + 1) for i, n in enumerate(LEVANTINE)), *((n, i + 1) for i, n in enumerate(GULF)),
               *VARIANTS, *MAGHREBI]


def at(*args: int, tz=DAMASCUS) -> datetime:
    return datetime(*args, tzinfo=tz)


# --- digits and normalization -----------------------------------------------------------------------


def test_fold_digits_eastern_and_persian():
    assert fold_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert fold_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert fold_digits("عام ٢٠١٧ و۲۰۱۸ و2019") == "عام 2017 و2018 و2019"


def test_normalize_joins_multiword_months_and_strips_tashkeel():
    assert normalize_date_text("كانونُ الثانـــي") == "كانونالثاني"
    assert normalize_date_text("تشرين الأول") == "تشرينالاول"
    assert normalize_date_text("\u200f١٠\u200f آذار") == "10 اذار"


def test_parserinfo_works_with_dateutil_directly():
    """The parserinfo is usable on its own once text is normalized, as the brief's API promises."""
    text = normalize_date_text("الثلاثاء 10 كانون الثاني 2017 الساعة 10:15 مساءً")
    dt = dateutil.parser.parse(text, parserinfo=ArabicParserInfo(), fuzzy=True, default=datetime(1900, 1, 1))
    assert dt == datetime(2017, 1, 10, 22, 15)


# --- absolute dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "month"), MONTH_CASES)
def test_every_month_name(name: str, month: int):
    assert parse_arabic_date(f"15 {name} 2017", "UTC") == at(2017, month, 15, tz=ZoneInfo("UTC"))


@pytest.mark.parametrize(("weekday", "day"), [
    ("الأحد", 11), ("الإثنين", 12), ("الاثنين", 12), ("الثلاثاء", 13), ("الأربعاء", 14), ("الخميس", 15),
    ("الجمعة", 16), ("السبت", 17),
])
def test_weekday_and_month(weekday: str, day: int):
    assert parse_arabic_date(f"{weekday}، {day} حزيران 2017", DAMASCUS) == at(2017, 6, day)


@pytest.mark.parametrize(("text", "expected"), [
    ("السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م", at(2017, 6, 10, 12, 30)),
    ("27 يونيو 2017", at(2017, 6, 27)),
    ("الثلاثاء، 27 حزيران 2017 10:15 ص", at(2017, 6, 27, 10, 15)),
    ("الثلاثاء، 27 حزيران 2017 10:15 م", at(2017, 6, 27, 22, 15)),
    ("۲۷ ژوئن", None),  # Persian month, no year
    ("۲۷ يونيو ۲۰۱۷ الساعة ۱۰:۱۵", at(2017, 6, 27, 10, 15)),
    ("2017/06/27", at(2017, 6, 27)),
    ("27/06/2017", at(2017, 6, 27)),
    ("27-06-2017 14:05", at(2017, 6, 27, 14, 5)),
    ("2017-06-10", at(2017, 6, 10)),
    ("السبت 10 حزيران (يونيو) 2017", at(2017, 6, 10)),
    ("10 حزيران/يونيو 2017 - 09:00 ص", at(2017, 6, 10, 9)),
    ("10 كانون الأول 2016", at(2016, 12, 10)),
    ("3 تشرين الثاني 2016", at(2016, 11, 3)),
    ("١٢:٣٠ م - ١٠ تشرين الأول ٢٠١٧", at(2017, 10, 10, 12, 30)),  # time before date
    ("10 حزيران 2017م", at(2017, 6, 10)),  # «م» for ميلادي, not p.m.
    ("نُشر في: الجمعة 16 يونيو 2017 الساعة 12 م بتوقيت دمشق", at(2017, 6, 16, 12)),
])
def test_absolute_forms(text: str, expected: datetime | None):
    assert parse_arabic_date(text, DAMASCUS) == expected


@pytest.mark.parametrize(("text", "hour", "minute"), [
    ("10 حزيران 2017 12:30 م", 12, 30),
    ("10 حزيران 2017 12:30 ص", 0, 30),
    ("10 حزيران 2017 12:00 مساءً", 12, 0),
    ("10 حزيران 2017 12:00 صباحاً", 0, 0),
    ("10 حزيران 2017 الساعة 12 م", 12, 0),
    ("10 حزيران 2017 الساعة 12 ص", 0, 0),
    ("10 حزيران 2017 01:05 م", 13, 5),
    ("10 حزيران 2017 11:59 ص", 11, 59),
])
def test_noon_and_midnight_are_not_confused(text: str, hour: int, minute: int):
    dt = parse_arabic_date(text, DAMASCUS)
    assert (dt.day, dt.hour, dt.minute) == (10, hour, minute)


def test_result_is_aware_in_profile_zone_unless_text_has_offset():
    assert parse_arabic_date("10 حزيران 2017", "Asia/Damascus").isoformat() == "2017-06-10T00:00:00+03:00"
    assert parse_arabic_date("10 كانون الثاني 2017", "Asia/Damascus").utcoffset().total_seconds() == 7200
    assert parse_arabic_date("2017-06-10T12:30:00+04:00", DAMASCUS).isoformat() == "2017-06-10T12:30:00+04:00"
    # «GMT+3» on an Arab site means UTC+3, not dateutil's POSIX reading (UTC-3)
    assert parse_arabic_date("10 يونيو 2017 12:30 GMT+3", "UTC").isoformat() == "2017-06-10T12:30:00+03:00"


@pytest.mark.parametrize("text", [
    "10 حزيران", "السبت 10 حزيران", "حزيران 2017", "12:30 م", "2017", "الساعة 10:15 ص",
])
def test_no_year_or_no_day_gives_none(text: str):
    assert parse_arabic_date(text, DAMASCUS, now=NOW) is None


@pytest.mark.parametrize("text", [
    "", "   ", "مرحبا بالعالم", "قتل 25 شخصا في الهجوم", "99/99/9999", "31/02/2017", "45 حزيران 2017",
    "15 رمضان 1438 هـ", "lorem ipsum", "::::----", "١٢٣٤٥٦٧٨٩", "10 حزيران 3017", "x" * 10000,
])
def test_garbage_gives_none(text: str):
    assert parse_arabic_date(text, DAMASCUS) is None


def test_non_string_does_not_raise():
    assert parse_arabic_date(None, DAMASCUS) is None  # type: ignore[arg-type]


# --- relative dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("منذ ساعتين", at(2017, 6, 27, 13)),
    ("منذ ساعة", at(2017, 6, 27, 14)),
    ("منذ 5 ساعات", at(2017, 6, 27, 10)),
    ("منذ ٥ دقائق", at(2017, 6, 27, 14, 55)),
    ("منذ دقيقتين", at(2017, 6, 27, 14, 58)),
    ("قبل 3 أيام", at(2017, 6, 24, 15)),
    ("قبل ثلاثة أيام", at(2017, 6, 24, 15)),
    ("منذ يومين", at(2017, 6, 25, 15)),
    ("منذ أسبوع", at(2017, 6, 20, 15)),
    ("منذ شهرين", at(2017, 4, 27, 15)),
    ("أمس", at(2017, 6, 26)),
    ("الأمس", at(2017, 6, 26)),
    ("أمس 10:30 م", at(2017, 6, 26, 22, 30)),
    ("اليوم 09:15 ص", at(2017, 6, 27, 9, 15)),
])
def test_relative_forms(text: str, expected: datetime):
    assert parse_arabic_date(text, DAMASCUS, now=NOW) == expected


def test_relative_needs_now_and_a_count():
    assert parse_arabic_date("منذ ساعتين", DAMASCUS) is None
    assert parse_arabic_date("منذ ساعات", DAMASCUS, now=NOW) is None  # vague plural
    assert parse_arabic_date("المصري اليوم", DAMASCUS, now=NOW) is None  # a paper's name, not «today»


def test_relative_with_naive_now_uses_zone():
    dt = parse_arabic_date("منذ ساعتين", "Asia/Damascus", now=datetime(2017, 6, 27, 15, 0))
    assert dt.isoformat() == "2017-06-27T13:00:00+03:00"


# --- free text ---------------------------------------------------------------------------------------


def test_find_visible_date_first_full_date():
    text = ("الرئيسية » أخبار سوريا\nقتل 25 شخصا في 3 مناطق\nدمشق - السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م\n"
            "وقال المصدر إن الاجتماع المقبل في 20 تموز 2017")
    assert find_visible_date(text, DAMASCUS) == at(2017, 6, 10, 12, 30)


def test_find_visible_date_numeric_and_none():
    assert find_visible_date("تاريخ النشر: 27/06/2017 | 14:05", DAMASCUS) == at(2017, 6, 27, 14, 5)
    assert find_visible_date("لا يوجد تاريخ هنا سوى 10 حزيران ومنذ ساعتين", DAMASCUS, now=NOW) is None
    assert find_visible_date("", DAMASCUS) is None


def test_find_visible_date_skips_future_when_now_given():
    text = "المؤتمر في 10 آذار 2030. نشر في 20 حزيران 2017"
    assert find_visible_date(text, DAMASCUS, now=NOW) == at(2017, 6, 20)
    assert find_visible_date(text, DAMASCUS) == at(2030, 3, 10)


# --- HTML ---------------------------------------------------------------------------------------------


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html lang='ar' dir='rtl'><head><title>خبر</title>{head}</head><body>{body}</body></html>"


META = '<meta property="article:published_time" content="2017-06-10T09:00:00+03:00">'
JSONLD = ('<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
          '"datePublished": "2017-06-09T08:00:00Z", "dateModified": "2017-06-11T08:00:00Z"}</script>')
VISIBLE = "<article><h1>عنوان</h1><p class='date'>السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م</p><p>نص الخبر.</p></article>"


def test_meta_beats_jsonld_and_visible():
    info = extract_dates(page(META + JSONLD, VISIBLE), tz="Asia/Damascus", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T09:00:00+03:00", "2017-06-11T08:00:00+00:00", "meta:article:published_time")


def test_jsonld_beats_visible():
    info = extract_dates(page(JSONLD, VISIBLE), tz="Asia/Damascus", fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-09T08:00:00+00:00", "jsonld:datePublished")
    assert info.modified == "2017-06-11T08:00:00+00:00"


def test_only_visible_date_in_damascus():
    info = extract_dates(page("", VISIBLE), url="https://example.sy/news/1", tz="Asia/Damascus", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T12:30:00+03:00", None, "visible")


def test_visible_prefers_article_over_site_header_and_ignores_scripts():
    body = ("<header>الأحد 5 تشرين الثاني 2016</header><script>var d = '1 كانون الثاني 2010';</script>"
            "<article><p><span>١٠</span><span>حزيران</span><span>٢٠١٧</span></p></article>")
    info = extract_dates(page("", body), tz="Asia/Damascus", fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-10T00:00:00+03:00", "visible")


def test_meta_name_variants_and_naive_values_get_zone():
    head = '<meta name="pubdate" content="2017-06-10 12:30:00"><meta itemprop="dateModified" content="2017-06-12">'
    info = extract_dates(page(head, "<p>x</p>"), tz="Asia/Damascus", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T12:30:00+03:00", "2017-06-12T00:00:00+03:00", "meta:pubdate")
    head = '<meta name="sailthru.date" content="Sat, 10 Jun 2017 12:30:00 GMT">'
    info = extract_dates(page(head, "<p>x</p>"), tz="Asia/Damascus", fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-10T12:30:00+00:00", "meta:sailthru.date")


def test_itemprop_on_time_element():
    body = '<div><time itemprop="datePublished" datetime="2017-06-10T12:30">١٠ حزيران</time></div>'
    info = extract_dates(page("", body), tz="Asia/Damascus", fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-10T12:30:00+03:00", "meta:datePublished")


def test_jsonld_graph_prefers_article_over_image():
    graph = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
             '{"@type": "ImageObject", "datePublished": "2015-01-01T00:00:00Z"},'
             '{"@type": "WebPage", "datePublished": "2016-01-01T00:00:00Z"},'
             '{"@type": ["NewsArticle"], "datePublished": "2017-06-10T12:30:00+03:00",'
             ' "dateModified": "2017-06-10T13:00:00+03:00"}]}</script>')
    info = extract_dates(page(graph, "<p>x</p>"), tz="UTC", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T12:30:00+03:00", "2017-06-10T13:00:00+03:00", "jsonld:datePublished")


def test_jsonld_top_level_list():
    block = ('<script type="application/ld+json">[{"@type": "BreadcrumbList"},'
             ' {"@type": "Article", "datePublished": "2017-06-10"}]</script>')
    info = extract_dates(page(block, "<p>x</p>"), tz="Asia/Damascus", fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-10T00:00:00+03:00", "jsonld:datePublished")


def test_time_element_inside_article():
    body = ('<aside><time datetime="2016-01-01">قديم</time></aside>'
            '<article><time datetime="2017-06-10T12:30:00+03:00">السبت</time><p>نص</p></article>')
    info = extract_dates(page("", body), tz="UTC", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T12:30:00+03:00", None, "time")


def test_future_date_rejected_and_next_method_used():
    head = '<meta property="article:published_time" content="2030-01-01T00:00:00Z">'
    info = extract_dates(page(head, VISIBLE), tz="Asia/Damascus", fetched=FETCHED)
    assert info == DateInfo("2017-06-10T12:30:00+03:00", None, "visible")


def test_date_within_a_day_of_fetch_is_kept():
    head = '<meta property="article:published_time" content="2017-06-29T06:00:00Z">'
    info = extract_dates(page(head, "<p>x</p>"), fetched=FETCHED)
    assert info.published == "2017-06-29T06:00:00+00:00"


def test_malformed_jsonld_does_not_raise(caplog):
    broken = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": </script>'
    nested = '<script type="application/ld+json">' + "[" * 5000 + "</script>"
    with caplog.at_level(logging.DEBUG, logger="pipelines.dates"):
        info = extract_dates(page(broken + nested, VISIBLE), tz="Asia/Damascus", fetched=FETCHED)
    assert info.source == "visible"
    trailing = ('<script type="application/ld+json">{"@type": "NewsArticle",\n'
                '"datePublished": "2017-06-10T12:30:00+03:00",}</script>')
    info = extract_dates(page(trailing, ""), fetched=FETCHED)
    assert (info.published, info.source) == ("2017-06-10T12:30:00+03:00", "jsonld:datePublished")


@pytest.mark.parametrize("html", [
    "", "<<<>>>", "not html at all", "<html><body>", '<?xml version="1.0" encoding="utf-8"?><html></html>',
    "<html><head><meta property='article:published_time' content='yesterday-ish'></head></html>",
    "<html><head><script type='application/ld+json'>{\"datePublished\": {\"nested\": [1, 2]}}</script></head></html>",
])
def test_malformed_html_does_not_raise(html: str):
    info = extract_dates(html, tz="Asia/Damascus", fetched=FETCHED)
    assert isinstance(info, DateInfo)


def test_htmldate_is_last_resort():
    html = page("", "<div><p>خبر بلا تاريخ ظاهر</p></div>")
    info = extract_dates(html, url="https://example.com/2017/06/05/story.html", tz="Asia/Damascus", fetched=FETCHED)
    assert info.source == "htmldate"
    assert info.published.startswith("2017-06-05T")
    assert info.published.endswith("+03:00")


def test_nothing_found():
    info = extract_dates(page("", "<p>لا شيء</p>"), url="https://example.com/a", fetched=FETCHED)
    assert info == DateInfo(None, None, "")


# --- dates printed in a date element of the story header ---------------------------------------------------
RIYADH = ZoneInfo("Asia/Riyadh")
FETCH = datetime(2015, 7, 25, 12, 0, tzinfo=UTC)
SIDEBAR = '<div class="sidebar"><ul><li>خبر آخر <span class="date">21 يوليو 2015</span></li></ul></div>'


def _page(date_html: str) -> str:
    return (f"<html><body><div class='story'><h1>عنوان</h1><div class='article-info'>{date_html}</div>"
            f"<p>نص الخبر منذ يومين في المدينة.</p></div>{SIDEBAR}</body></html>")


@pytest.mark.parametrize(("printed", "expected"), [
    ("منذ ساعتين", "2015-07-25T13:00:00+03:00"),
    ("منذ ۳ ساعات", "2015-07-25T12:00:00+03:00"),
    ("قبل 45 دقيقة", "2015-07-25T14:15:00+03:00"),
    ("أمس ١٠:٣٠ م", "2015-07-24T22:30:00+03:00"),
])
def test_relative_date_in_header_beats_absolute_date_in_sidebar(printed, expected):
    info = extract_dates(_page(f'<span class="post-date">{printed}</span>'), tz=RIYADH, fetched=FETCH)
    assert (info.published, info.source) == (expected, "relative")


def test_relative_phrase_in_story_text_is_not_a_date():
    info = extract_dates(_page(""), tz=RIYADH, fetched=FETCH)
    assert info.source != "relative"


def test_hijri_beside_gregorian_gives_the_gregorian():
    html = _page('<span class="date">الأحد 12 شوال 1436هـ - 26 يوليو 2015م</span>')
    info = extract_dates(html, tz=RIYADH, fetched=FETCH)
    assert (info.published, info.source) == ("2015-07-26T00:00:00+03:00", "visible")
