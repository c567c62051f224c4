"""Publication dates of Arabic news pages, as ISO 8601 with an offset, plus where each came from.

Machine-readable dates (meta tags, JSON-LD, ``<time datetime>``) are trusted first because they are
what the CMS stored; the date printed on the page («السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م») comes next,
and htmldate's heuristics last, since they happily pick up the date of a sidebar item or the URL.

Arabic dates defeat ``dateutil`` out of the box: month names come in a Levantine (حزيران), a
Gulf/Egyptian (يونيو) and a Maghrebi (جوان) family, two of the Levantine ones are two words
(كانون الثاني), digits may be Eastern Arabic or Persian, and spelling varies (أ/ا, ة/ه, tashkeel).
So text is normalized first, a date span is located with a regex built from the same vocabulary as
:class:`ArabicParserInfo`, and only that span is handed to ``dateutil`` — fuzzy parsing of a whole
sentence would otherwise turn a casualty count into a day of the month.

A page that says nothing about the year gets no date: an invented year is worse than none in an archive.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import dateutil.parser
import lxml.etree
from dateutil.relativedelta import relativedelta

from core.arabic import fold_digits, fold_letters
from pipelines.metadata import (
    CHROME_CLASS,
    class_label,
    in_chrome,
    is_article_object,
    jsonld_objects,
    jsonld_types,
    meta_values,
    parse_html,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ArabicParserInfo",
    "DateInfo",
    "extract_dates",
    "find_visible_date",
    "fold_digits",
    "normalize_date_text",
    "parse_arabic_date",
]

# ---------------------------------------------------------------------------------------------------
# Text normalization
# ---------------------------------------------------------------------------------------------------

# Bidi marks and zero-width characters that CMSs wrap around digits in RTL text; invisible but they
# break adjacency rules in the span regex.
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad]")
_WS_RE = re.compile(r"\s+")
# On top of the shared letter folds: Persian yeh and kaf (Persian keyboards), Arabic decimal and
# thousands separators and semicolon.
_DATE_FOLDS = str.maketrans({"ی": "ي", "ک": "ك", "٫": ".", "٬": ",", "؛": ";"})
# Two-word Levantine months become one token: dateutil's lexer splits on spaces.
_MULTIWORD_MONTH_RE = re.compile(r"(?<!\w)(كانون|تشرين)\s*(?:ال)?(اول|ثاني)(?!\w)")


def _fold_letters(text: str) -> str:
    """Spelling variants that do not change meaning: alef/hamza seats, final ya, ta marbuta, tashkeel."""
    return fold_letters(text).translate(_DATE_FOLDS)


def normalize_date_text(text: str) -> str:
    """The canonical form every date rule here is written against.

    ASCII digits, one alef, ي for ى, ه for ة, no tashkeel/tatweel/bidi marks, single spaces,
    lower case (for English month names in meta values) and one-token multi-word month names
    («كانون الثاني» → «كانونالثاني»).
    """
    text = fold_digits(_INVISIBLE_RE.sub("", text))
    text = _fold_letters(text).lower()
    text = _WS_RE.sub(" ", text).strip()
    return _MULTIWORD_MONTH_RE.sub(lambda m: m.group(1) + "ال" + m.group(2), text)


def _norm_token(word: str) -> str:
    return normalize_date_text(word)


# ---------------------------------------------------------------------------------------------------
# dateutil vocabulary
# ---------------------------------------------------------------------------------------------------

# Index i = month i + 1. Written as people spell them; normalized when the parserinfo is built.
_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("كانون الثاني", "يناير", "جانفي"),
    ("شباط", "فبراير", "فيفري"),
    ("آذار", "مارس"),
    ("نيسان", "أبريل", "ابريل", "إبريل", "أفريل"),
    ("أيار", "مايو", "ماي"),
    ("حزيران", "يونيو", "يونيه", "جوان"),
    ("تموز", "يوليو", "يوليه", "جويلية", "يوليوز"),
    ("آب", "أغسطس", "اغسطس", "أوت", "غشت"),
    ("أيلول", "سبتمبر", "شتنبر"),
    ("تشرين الأول", "أكتوبر", "اكتوبر"),
    ("تشرين الثاني", "نوفمبر", "نونبر"),
    ("كانون الأول", "ديسمبر", "دجنبر"),
)
# Monday first, as dateutil expects.
_WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("الاثنين", "الإثنين", "اثنين"),
    ("الثلاثاء", "ثلاثاء"),
    ("الأربعاء", "اربعاء"),
    ("الخميس", "خميس"),
    ("الجمعة", "جمعة"),
    ("السبت", "سبت"),
    ("الأحد", "احد"),
)
_AM_WORDS = ("ص", "صباحاً", "صباحا", "صباح", "فجراً")
_PM_WORDS = ("م", "مساءً", "مساء", "مساءا", "عصراً")
_JUMP_WORDS = ("في", "الساعة", "الساعه", "،", "-", "التوقيت", "بتوقيت", "يوم", "الموافق", "من", "شهر", "|")


def _merge(english: list, arabic: Iterable[Iterable[str]]) -> list[tuple[str, ...]]:
    """English spellings stay (meta values are often English); Arabic ones are added normalized."""
    out = []
    for eng, ar in zip(english, arabic, strict=True):
        words = dict.fromkeys([*(eng if isinstance(eng, tuple) else (eng,)), *(_norm_token(w) for w in ar)])
        out.append(tuple(words))
    return out


class ArabicParserInfo(dateutil.parser.parserinfo):
    """dateutil vocabulary for Arabic news dates, on top of the English one.

    Tokens are matched after :func:`normalize_date_text`, so the entries are stored normalized
    (اذار, ايار, كانونالثاني ...). ``dayfirst`` defaults to True because Arab sites write 10/06/2017
    for 10 June; year-first numeric dates are handled by the caller, which turns it off for them.
    """

    JUMP: ClassVar[list[str]] = [*dateutil.parser.parserinfo.JUMP, *(_norm_token(w) for w in _JUMP_WORDS)]
    WEEKDAYS: ClassVar[list[tuple[str, ...]]] = _merge(dateutil.parser.parserinfo.WEEKDAYS, _WEEKDAY_NAMES)
    MONTHS: ClassVar[list[tuple[str, ...]]] = _merge(dateutil.parser.parserinfo.MONTHS, _MONTH_NAMES)
    AMPM: ClassVar[list[tuple[str, ...]]] = _merge(dateutil.parser.parserinfo.AMPM, (_AM_WORDS, _PM_WORDS))

    def __init__(self, dayfirst: bool = True, yearfirst: bool = False) -> None:
        super().__init__(dayfirst=dayfirst, yearfirst=yearfirst)


_PARSERINFO = ArabicParserInfo()

# ---------------------------------------------------------------------------------------------------
# Span regex, built from the same vocabulary
# ---------------------------------------------------------------------------------------------------


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MONTH_ALT = _alternation(w for names in ArabicParserInfo.MONTHS for w in names)
_WEEKDAY_ALT = _alternation(w for names in ArabicParserInfo.WEEKDAYS for w in names)
_AMPM_ALT = _alternation([*(_norm_token(w) for w in (*_AM_WORDS, *_PM_WORDS)), "am", "pm", "a.m.", "p.m."])

_MONTH = rf"(?<!\w)(?:{_MONTH_ALT})(?!\w)"
_DAY = r"(?<!\d)(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_YEAR = r"(?<!\d)(?:19|20)\d\d(?!\d)"
_TIME = (
    rf"(?<![\d:])(?:[01]?\d|2[0-3])"
    rf"(?::[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?: ?(?:{_AMPM_ALT})(?!\w))?"  # 12:30, 12:30:00, 12:30 م
    rf"|(?!\d) ?(?:{_AMPM_ALT})(?!\w))"  # «12 م»: an hour alone only counts with ص/م
)
_OFFSET = r"(?: ?(?:z(?!\w)|(?:gmt|utc)? ?[+-](?:1[0-4]|0?\d)(?::?[0-5]\d)?(?!\d)|(?:gmt|utc)(?!\w)))"
# Separators allowed between the parts of a span; character class and words are disjoint so the
# regex cannot backtrack badly on long text.
_SEP_CHARS = r"[ \-–—|،,;/@:]*"
_SEP = rf"{_SEP_CHARS}(?:(?:الساعه|في|على|at|t|التوقيت)(?!\w){_SEP_CHARS})*"
_SEP_T = rf"(?:t|{_SEP})"  # ISO: 2017-06-10T12:30

_CORE = (
    rf"(?:{_DAY} ?[-/.]? ?(?:من )?(?:شهر )?{_MONTH}(?: ?[/(] ?{_MONTH} ?\)?)? ?[-/.,،]? ?{_YEAR}"  # 10 حزيران 2017
    rf"|{_MONTH} {_DAY}(?:st|nd|rd|th)?,? {_YEAR}"  # June 10, 2017
    r"|(?<!\d)(?:19|20)\d\d(?P<s1>[-/.])(?:0?[1-9]|1[0-2])(?P=s1)(?:[12]\d|3[01]|0?[1-9])(?!\d)"  # 2017-06-10
    r"|(?<!\d)(?:[12]\d|3[01]|0?[1-9])(?P<s2>[-/.])(?:[12]\d|3[01]|0?[1-9])(?P=s2)(?:19|20)\d\d(?!\d))"  # 10/06/2017
)
_SPAN_RE = re.compile(
    rf"(?:(?P<lead>{_TIME}){_SEP})?"
    rf"(?:(?:{_WEEKDAY_ALT})(?!\w){_SEP})?"
    rf"(?P<core>{_CORE})"
    rf"(?:{_SEP_T}(?P<time>{_TIME})(?P<offset>{_OFFSET})?)?",
    re.IGNORECASE,
)
# «حزيران/يونيو» or «حزيران (يونيو)»: both names of one month; dateutil must see only one.
_DOUBLE_MONTH_RE = re.compile(rf"({_MONTH}) ?[/(] ?{_MONTH} ?\)?", re.IGNORECASE)
_YMD_RE = re.compile(r"^(?:19|20)\d\d[-/.]")
_POSIX_OFFSET_RE = re.compile(r"(?:gmt|utc) ?([+-])(\d{1,2})(?::?(\d\d))?", re.IGNORECASE)

# ---------------------------------------------------------------------------------------------------
# Relative dates
# ---------------------------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "واحد": 1, "واحده": 1, "اثنين": 2, "اثنتين": 2, "اثنان": 2, "ثلاث": 3, "ثلاثه": 3, "اربع": 4,
    "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8,
    "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}
# normalized word -> (unit, implied count); count None = plural, needs a number («منذ ساعات» is vague)
_UNITS: dict[str, tuple[str, int | None]] = {}
for _unit, _one, _two, _many in (
    ("seconds", ("ثانيه",), ("ثانيتين", "ثانيتان"), ("ثوان", "ثواني")),
    ("minutes", ("دقيقه",), ("دقيقتين", "دقيقتان"), ("دقائق",)),
    ("hours", ("ساعه",), ("ساعتين", "ساعتان"), ("ساعات",)),
    ("days", ("يوم",), ("يومين", "يومان"), ("ايام",)),
    ("weeks", ("اسبوع",), ("اسبوعين", "اسبوعان"), ("اسابيع",)),
    ("months", ("شهر",), ("شهرين", "شهران"), ("اشهر", "شهور")),
    ("years", ("سنه", "عام"), ("سنتين", "سنتان", "عامين", "عامان"), ("سنوات", "سنين", "اعوام")),
):
    _UNITS.update({w: (_unit, 1) for w in _one})
    _UNITS.update({w: (_unit, 2) for w in _two})
    _UNITS.update({w: (_unit, None) for w in _many})

_RELATIVE_RE = re.compile(
    rf"(?<!\w)(?:منذ|قبل) (?:(?P<num>\d{{1,4}}|{_alternation(_NUMBER_WORDS)}) )?(?P<unit>{_alternation(_UNITS)})(?!\w)"
)
_DAY_WORD_RE = re.compile(rf"^(?P<word>(?:بال|ال)?امس|البارحه|اليوم)(?:{_SEP}(?P<time>{_TIME}))?$", re.IGNORECASE)
_LABEL_RE = re.compile(r"^(?:تاريخ النشر|نشر(?: في)?|منشور|اخر تحديث|تم النشر|published|updated)\s*:?\s*")

# ---------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------

_MIN_YEAR, _MAX_YEAR = 1900, 2100
_DEFAULT_A = datetime(1, 1, 1)
_DEFAULT_B = datetime(2, 2, 2)


def _zone(tz: tzinfo | str | None) -> tzinfo:
    """Profiles give a zone name; callers may also pass a tzinfo. A bad name is a config error and raises."""
    if tz is None:
        return UTC
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _aware(dt: datetime, zone: tzinfo) -> datetime:
    return dt.replace(tzinfo=zone) if dt.tzinfo is None else dt


def _dateutil(text: str, *, info: dateutil.parser.parserinfo | None, dayfirst: bool | None = None) -> datetime | None:
    """Parse with two different defaults: a field that differs was not in the text, and we refuse to
    fill in the year, month or day ourselves."""
    try:
        a = dateutil.parser.parse(text, parserinfo=info, fuzzy=True, default=_DEFAULT_A, dayfirst=dayfirst)
        b = dateutil.parser.parse(text, parserinfo=info, fuzzy=True, default=_DEFAULT_B, dayfirst=dayfirst)
    except (ValueError, TypeError, ArithmeticError, LookupError) as exc:  # dateutil's failure modes vary
        logger.debug("dateutil rejected %r: %s", text, exc)
        return None
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        logger.debug("no full date in %r", text)
        return None
    if not _MIN_YEAR <= a.year <= _MAX_YEAR:
        return None
    return a


def _explicit_offset(text: str) -> str:
    """«GMT+3» on an Arab site means UTC+3, but dateutil reads it POSIX-style as UTC-3, and it only
    knows upper-case «GMT»; so offsets are handed over as «+03:00»."""
    text = text.strip()
    m = _POSIX_OFFSET_RE.fullmatch(text) or re.fullmatch(r"([+-])(\d{1,2}):?(\d\d)?", text)
    if m:
        return f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}"
    return "+00:00" if text.lower() in ("gmt", "utc", "z") else text


def _parse_span(match: re.Match[str], zone: tzinfo) -> datetime | None:
    """Reassemble a located span as «core time offset» so dateutil never sees the time before the
    date (a «- 10» after a time would be read as a UTC offset) or a POSIX-style «GMT+3»."""
    core = _DOUBLE_MONTH_RE.sub(r"\1", match.group("core"))
    time = match.group("time") or match.group("lead") or ""
    offset = _explicit_offset(match.group("offset") or "") if match.group("time") else ""
    time = time.replace("a.m.", "am").replace("p.m.", "pm")
    dayfirst = not _YMD_RE.match(core)
    dt = _dateutil(f"{core} {time} {offset}".strip(), info=ArabicParserInfo(dayfirst=dayfirst))
    return None if dt is None else _aware(dt, zone)


def _relative(norm: str, zone: tzinfo, now: datetime | None) -> datetime | None:
    """«منذ ساعتين», «قبل 3 أيام», «أمس 10:30 م»: only with a reference time, never guessed."""
    if now is None:
        return None
    now = _aware(now, zone)
    m = _RELATIVE_RE.search(norm)
    if m:
        unit, implied = _UNITS[m.group("unit")]
        num = m.group("num")
        count = (int(num) if num.isdigit() else _NUMBER_WORDS[num]) if num else implied
        if not count:
            return None
        if unit in ("months", "years"):
            return (now.astimezone(zone) - relativedelta(**{unit: count})).astimezone(zone)
        return (now.astimezone(UTC) - timedelta(**{unit: count})).astimezone(zone)
    m = _DAY_WORD_RE.match(_LABEL_RE.sub("", norm).strip(" -|،,."))
    if m:
        back = 0 if m.group("word") == "اليوم" else 1
        day = (now.astimezone(zone) - timedelta(days=back)).date()
        hour = minute = 0
        if m.group("time"):
            t = _dateutil(f"{day.isoformat()} {m.group('time')}", info=ArabicParserInfo(dayfirst=False))
            if t is None:
                return None
            hour, minute = t.hour, t.minute
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return None


def parse_arabic_date(text: str, tz: tzinfo | str = "UTC", now: datetime | None = None) -> datetime | None:
    """A date as printed on an Arabic news page, as an aware datetime (in ``tz`` unless it has an offset).

    Absolute dates need a day, a month (name or number) and a four-digit year; relative ones
    («منذ ساعتين», «قبل 3 أيام», «أمس») need ``now``. Anything else, including text without a year,
    gives None rather than a guess, and no input makes this raise.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    zone = _zone(tz)
    try:
        norm = normalize_date_text(text)
        for match in _SPAN_RE.finditer(norm):
            dt = _parse_span(match, zone)
            if dt is not None:
                return dt
        return _relative(norm, zone, now)
    except (ValueError, TypeError, ArithmeticError, LookupError) as exc:
        logger.debug("could not parse date %r: %s", text, exc)
        return None


def find_visible_date(text: str, tz: tzinfo | str = "UTC", now: datetime | None = None) -> datetime | None:
    """The first full date (month name or numeric date, with a year) in free page text.

    Relative phrases are not looked for here: «منذ ساعتين» in a sidebar says nothing about the
    article. With ``now``, dates more than a day after it are skipped (event dates, «حتى 2030»).
    """
    if not isinstance(text, str) or not text:
        return None
    zone = _zone(tz)
    limit = _aware(now, zone) + timedelta(days=1) if now is not None else None
    try:
        for match in _SPAN_RE.finditer(normalize_date_text(text)):
            dt = _parse_span(match, zone)
            if dt is None:
                continue
            if limit is not None and dt > limit:
                logger.debug("visible date %s is after %s, skipped", dt, limit)
                continue
            return dt
    except (ValueError, OverflowError, TypeError, ArithmeticError) as exc:
        logger.debug("visible date search failed: %s", exc)
    return None


def _parse_machine_date(value: Any, zone: tzinfo) -> datetime | None:
    """Dates from meta/JSON-LD/``datetime=``: ISO first, then dateutil's English vocabulary
    («Sat, 10 Jun 2017 12:30:00 GMT»), then the Arabic rules, since some CMSs print Arabic there."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if isinstance(value, dict):
        value = value.get("@value")
    if not isinstance(value, str):
        return None
    value = fold_digits(value).strip()
    if not value or len(value) > 200:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        dt = None
    if dt is None and re.fullmatch(r"\d{8}", value):  # 20170610, seen in sailthru/parsely tags
        try:
            dt = datetime.strptime(value, "%Y%m%d")
        except ValueError:
            return None
    if dt is None and re.search(r"[a-z]{3}", value, re.IGNORECASE) and not re.search(r"[\u0600-\u06ff]", value):
        dt = _dateutil(_POSIX_OFFSET_RE.sub(lambda m: _explicit_offset(m.group(0)), value), info=None)
    if dt is None:
        return parse_arabic_date(value, zone)
    if not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        return None
    return _aware(dt, zone)


# ---------------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------------


@dataclass
class DateInfo:
    """Dates as ISO 8601 strings with an offset; ``source`` names the method that gave ``published``
    (e.g. "meta:article:published_time", "jsonld:datePublished", "time", "visible", "htmldate";
    "" when nothing was found)."""

    published: str | None
    modified: str | None
    source: str


# Checked in this order; the first one that parses and is not in the future wins.
PUBLISHED_META: tuple[str, ...] = (
    "article:published_time", "og:published_time", "datePublished", "pubdate", "publishdate",
    "publish_date", "publish-date", "parsely-pub-date", "sailthru.date", "DC.date.issued", "dcterms.issued",
    "DC.date", "dcterms.date", "date", "article.published", "original-publish-date",
)
MODIFIED_META: tuple[str, ...] = (
    "article:modified_time", "og:updated_time", "dateModified", "DC.date.modified", "dcterms.modified",
    "lastmod", "last-modified", "article.updated",
)
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "iframe", "head", "title"}
_VISIBLE_CHARS = 5000


def _iso(dt: datetime) -> str:
    return dt.replace(microsecond=0).isoformat()


def _jsonld_dates(objs: list[dict], key: str) -> list[Any]:
    """Values of ``key`` with article-like objects first: an ImageObject or a comment has its own
    datePublished which is not the story's."""
    ranked: list[tuple[int, int, Any]] = []
    for order, obj in enumerate(objs):
        if key not in obj:
            continue
        rank = 0 if is_article_object(obj) else (1 if any(t.endswith("page") for t in jsonld_types(obj)) else 2)
        ranked.append((rank, order, obj[key]))
    return [value for _, _, value in sorted(ranked, key=lambda r: (r[0], r[1]))]


def _containers(root: Any) -> list[Any]:
    """Where the story is: article/main first, the whole body last."""
    found = root.xpath("//article | //main | //*[@role='main'] | //*[@itemprop='articleBody']")
    body = root.find(".//body")
    return [*found, body if body is not None else root]


def _visible_text(el: Any, limit: int = _VISIBLE_CHARS) -> str:
    """Text as a reader sees it: no script/style, and a space between elements so that
    «<span>10</span><span>حزيران</span>» stays two words."""
    parts: list[str] = []
    size = 0

    def walk(node: Any) -> None:
        nonlocal size
        if size > limit:
            return
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag and tag.lower() not in _SKIP_TAGS and node.text:
            parts.append(node.text)
            size += len(node.text)
        if not tag or tag.lower() not in _SKIP_TAGS:
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)
                    size += len(child.tail)

    with contextlib.suppress(RecursionError):  # absurdly deep markup: keep what was collected
        walk(el)
    return " ".join(parts)[:limit]


def extract_dates(html: str, url: str = "", tz: tzinfo | str = "UTC", fetched: datetime | None = None,
                  root: Any | None = None, jsonld: list[dict] | None = None) -> DateInfo:
    """Published and modified dates of a news page, trying (1) meta tags, (2) JSON-LD, (3)
    ``<time datetime>`` in the article, (4) the date printed in a date element of the story header
    («منذ ساعتين» and «أمس ١٠:٣٠ م» resolved against ``fetched``), (5) the first date printed in the
    article, (6) htmldate. ``root`` is the parsed page and ``jsonld`` its JSON-LD objects
    (``metadata.jsonld_objects``) when the caller already has them (``pipelines.page`` passes both);
    without ``root``, ``html`` is parsed with ``metadata.parse_html``, the same parse.

    Dates without an offset get the profile's zone. A date more than a day after ``fetched``
    (default: now) is a CMS bug or an event date, so that method is skipped. Malformed HTML or
    JSON-LD is logged, never raised.
    """
    zone = _zone(tz)
    fetched = _aware(fetched, zone) if fetched is not None else datetime.now(UTC)
    limit = fetched + timedelta(days=1)

    def ok(dt: datetime | None, what: str) -> bool:
        if dt is None:
            return False
        if dt > limit:
            logger.debug("%s date %s is after fetch time %s, skipped (%s)", what, dt, fetched, url)
            return False
        return True

    def first_ok(values: Iterable[Any], what: str) -> datetime | None:
        for value in values:
            dt = _parse_machine_date(value, zone)
            if ok(dt, what):
                return dt
        return None

    published: datetime | None = None
    modified: datetime | None = None
    source = ""
    if root is None and html:
        try:
            root = parse_html(html)
        except (ValueError, lxml.etree.LxmlError) as exc:
            logger.debug("unparseable HTML: %s", exc)
    if root is not None:
        try:
            meta = meta_values(root)
        except Exception as exc:  # noqa: BLE001 - lxml raises many types on odd trees; dates are optional
            logger.debug("meta scan failed for %s: %s", url, exc)
            meta = {}
        for key in PUBLISHED_META:
            published = first_ok(meta.get(key.lower(), ()), f"meta:{key}")
            if published is not None:
                source = f"meta:{key}"
                break
        for key in MODIFIED_META:
            modified = first_ok(meta.get(key.lower(), ()), f"meta:{key}")
            if modified is not None:
                break

        try:
            objs = jsonld if jsonld is not None else jsonld_objects(root)
            if published is None:
                published = first_ok(_jsonld_dates(objs, "datePublished"), "jsonld:datePublished")
                source = "jsonld:datePublished" if published is not None else ""
            if modified is None:
                modified = first_ok(_jsonld_dates(objs, "dateModified"), "jsonld:dateModified")
        except Exception as exc:  # noqa: BLE001 - never let odd JSON-LD cost the article
            logger.debug("JSON-LD scan failed for %s: %s", url, exc)

        try:
            containers = _containers(root)
            if published is None:
                for container in containers[:-1]:
                    published = first_ok((el.get("datetime") for el in container.xpath(".//time[@datetime]")), "time")
                    if published is not None:
                        source = "time"
                        break
            if published is None:
                published, source = _dated_element(root, zone, fetched, ok)
            if published is None:
                for container in containers:
                    dt = find_visible_date(_visible_text(container), zone, now=fetched)
                    if ok(dt, "visible"):
                        published, source = dt, "visible"
                        break
        except Exception as exc:  # noqa: BLE001
            logger.debug("time/visible date scan failed for %s: %s", url, exc)

    if published is None and html:
        dt = _htmldate(html, url, zone, limit)
        if ok(dt, "htmldate"):
            published, source = dt, "htmldate"

    return DateInfo(
        published=_iso(published) if published else None,
        modified=_iso(modified) if modified else None,
        source=source,
    )


_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline|byline|meta|info", re.IGNORECASE)


def _dated_element(root: Any, zone: tzinfo, fetched: datetime, ok: Any) -> tuple[datetime | None, str]:
    """The date in a small element whose class or id says it holds one (``post-date``, ``news-date``,
    ``tie-date``), outside sidebars, related lists, comments and the top bar's «today» date. Only
    there are relative forms trusted: «منذ يومين» inside the story text is not a publication date."""
    for el in root.xpath("//body//*[@class or @id]"):
        label = class_label(el)
        if not _DATE_CLASS.search(label) or CHROME_CLASS.search(label):
            continue
        text = _visible_text(el, 300)
        if not text.strip() or len(text) > 250 or in_chrome(el):
            continue
        dt = find_visible_date(text, zone, now=fetched)
        if ok(dt, "visible"):
            return dt, "visible"
        dt = _relative(normalize_date_text(text), zone, fetched)
        if ok(dt, "relative"):
            return dt, "relative"
    return None, ""


def _htmldate(html: str, url: str, zone: tzinfo, limit: datetime) -> datetime | None:
    """Last resort; htmldate returns naive dates (often date-only), which get the profile zone."""
    try:
        from htmldate import find_date

        found = find_date(html, extensive_search=True, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z",
                          url=url or None, max_date=limit.astimezone(UTC).replace(tzinfo=None))
    except Exception as exc:  # noqa: BLE001 - third-party heuristics on arbitrary HTML
        logger.debug("htmldate failed for %s: %s", url, exc)
        return None
    return _parse_machine_date(found, zone) if found else None
