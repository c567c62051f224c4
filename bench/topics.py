"""Topical queries with graded relevance over the whole corpus, decided by explicit rules.

A researcher types two or three words for a subject («أسعار النفط», «الإرهاب», «حقوق المرأة») and
wants the articles about it, not one known article. There are no human judgments for
SaudiNewsNet, so each topic carries a rule over the raw text, written by hand per topic, and
every one of the 31,030 articles is graded by it:

- the rule is a list of concepts (``all_of``), each a regex over surface forms — proclitics
  (و/ف، ب/ك/ل، ال) allowed in front, and either exact word forms (``_w``), a stem with any
  ending (``_s``) or a fixed phrase (``_p``); the text is first folded with
  ``bench.textnorm.fold`` (alef forms, ة/ه, ى/ي, marks), so the regexes are written folded;
- grade 2: the headline matches every concept of the rule (the article is about the topic);
- grade 1: otherwise, the lead (first ``LEAD`` characters of the body) matches every concept, or
  the body mentions each of them at least ``MIN_MENTIONS`` times (the article deals with it);
- grade 0: everything else.

The rules are deliberately generous about morphology (that is the point of the benchmark) and
strict about meaning: «الهلال» not followed by «الأحمر» (the club, not the Red Crescent), «حقوق»
next to a word for women rather than any «حق». They are written from the topic, not from any
system's results, and the systems never see them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.textnorm import fold
from core.record import Article

LEAD = 300
MIN_MENTIONS = 3
_L = "\u0621-\u064A"
_PRE = rf"(?<![{_L}])(?:[وف]?(?:[بكل]|لل)?(?:ال)?)"


_LITERAL = re.compile(rf"[{_L} ]+")


@dataclass(frozen=True)
class Concept:
    """One concept of a topic rule: a regex, and literals one of which every match contains.

    The literals are a cheap ``in`` test that skips the regex on the many articles that cannot
    match (the proclitic prefix makes the regex itself slow to scan 53M characters with).
    """

    regex: str
    literals: tuple[str, ...]


def _w(*forms: str) -> Concept:
    """Exact word forms, proclitics allowed in front."""
    return Concept(f"{_PRE}(?:{'|'.join(forms)})(?![{_L}])", forms)


def _s(*stems: str) -> Concept:
    """Stems with any ending, proclitics allowed in front."""
    return Concept(f"{_PRE}(?:{'|'.join(stems)})[{_L}]*", stems)


def _p(*phrases: str) -> Concept:
    """Fixed phrases (regexes over folded words, each starting with a literal word), proclitics
    allowed on the first word."""
    heads = []
    for ph in phrases:
        m = _LITERAL.match(ph)
        assert m and m.group().strip(), f"phrase must start with a literal word: {ph}"
        heads.append(m.group().split()[0])
    return Concept(f"{_PRE}(?:{'|'.join(phrases)})(?![{_L}])", tuple(heads))


def _any(*concepts: Concept) -> Concept:
    return Concept("|".join(f"(?:{c.regex})" for c in concepts),
                   tuple(lit for c in concepts for lit in c.literals))


def _not_followed(concept: Concept, words: str) -> Concept:
    return Concept(f"(?:{concept.regex})(?! {words})", concept.literals)


@dataclass
class Topic:
    query: str  # as a researcher would type it
    all_of: tuple[Concept, ...]  # every concept must be found

    def __post_init__(self) -> None:
        self._compiled = [(re.compile(c.regex), c.literals) for c in self.all_of]

    def matches(self, folded: str) -> bool:
        return all(any(lit in folded for lit in lits) and r.search(folded) for r, lits in self._compiled)

    def mentions(self, folded: str) -> int:
        """How often the text mentions the topic: the count of its least-mentioned concept."""
        if not all(any(lit in folded for lit in lits) for _r, lits in self._compiled):
            return 0
        return min(len(r.findall(folded)) for r, _lits in self._compiled)


_PRICE = _w("سعر", "اسعار")
_WOMEN = _w("مراه", "امراه", "نساء")
TOPICS: list[Topic] = [
    Topic("أسعار النفط", (_PRICE, _any(_w("نفط", "بترول", "برنت"), _p("خام برنت")))),
    Topic("الحج", (_w("حج", "حجاج", "حجيج", "مناسك"),)),
    Topic("سوق الأسهم السعودية", (_w("اسهم", "سهم"), _any(_w("سوق", "تداول", "مؤشر"), _s("بورص")))),
    Topic("الإرهاب", (_s("ارهاب"),)),
    Topic("التعليم العالي", (_any(_p("تعليم (?:ال)?عالي"), _s("ابتعاث"), _w("مبتعث", "مبتعثين")),)),
    Topic("المرأة السعودية", (_any(_WOMEN, _w("سعوديات", "مواطنات")),)),
    Topic("فيروس كورونا", (_w("كورونا", "ميرس"),)),
    Topic("عاصفة الحزم", (_p("عاصفه (?:ال)?حزم", "اعاده (?:ال)?امل"),)),
    Topic("داعش", (_any(_w("داعش"), _p("تنظيم (?:ال)?دوله")),)),
    Topic("الأمطار والسيول", (_w("امطار", "مطر", "امطارا", "سيول", "سيل", "مطريه"),)),
    Topic("الحوادث المرورية", (_w("حادث", "حوادث", "حادثه"), _any(_s("مرور"), _w("تصادم", "سير", "دهس")))),
    Topic("البطالة", (_w("بطاله", "عاطل", "عاطلين", "عاطلات", "عاطلون"),)),
    Topic("الإسكان", (_any(_w("اسكان", "مساكن"), _p("وحدات (?:ال)?سكنيه")),)),
    Topic("كرة القدم", (_p("كره (?:ال)?قدم"),)),
    Topic("نادي الهلال", (_not_followed(_w("هلال"), "الاحمر"),)),
    Topic("السياحة", (_any(_s("سياح"), _w("سائح", "سائحين")),)),
    Topic("الاستثمار الأجنبي", (_s("استثمار", "مستثمر"), _w("اجنبي", "اجنبيه", "اجانب"))),
    Topic("الميزانية العامة", (_w("ميزانيه", "موازنه"),)),
    Topic("العمالة المنزلية", (_any(_s("استقدام"), _w("خادمات", "خادمه"),
                                    _p("عماله (?:ال)?منزليه", "عاملات (?:ال)?منزليه", "عمال (?:ال)?منازل")),)),
    Topic("مكافحة الفساد", (_w("فساد", "نزاهه"),)),
    Topic("المخدرات", (_w("مخدرات", "مخدره", "مخدر", "حشيش", "كبتاجون", "امفيتامين"),)),
    Topic("ولي العهد", (_p("ولي (?:ولي )?(?:ال)?عهد"),)),
    Topic("مجلس الشورى", (_w("شوري"),)),
    Topic("الطاقة الشمسية", (_p("طاقه (?:ال)?شمسيه", "طاقه (?:ال)?متجدده"),)),
    Topic("المسجد الحرام", (_p("مسجد (?:ال)?حرام", "حرم (?:ال)?مكي", "توسعه (?:ال)?حرم"),)),
    Topic("الاتفاق النووي", (_s("نووي"), _w("اتفاق", "مفاوضات", "اتفاقيه"))),
    Topic("اللاجئين السوريين", (_w("لاجئين", "لاجئ", "لاجئون", "لاجئو", "نازحين"), _s("سوري"))),
    Topic("الانتخابات البلدية", (_s("انتخاب"), _w("بلدي", "بلديه"))),
    Topic("التأشيرات", (_any(_s("تاشير"), _w("فيزا")),)),
    Topic("مرض السرطان", (_any(_w("سرطان"), _s("اورام")),)),
    Topic("الصحة النفسية", (_any(_p("صحه (?:ال)?نفسيه", "طب (?:ال)?نفسي", "امراض (?:ال)?نفسيه"),
                                 _w("اكتئاب")),)),
    Topic("أسعار العقار", (_PRICE, _any(_s("عقار"), _w("اراضي", "ارض")))),
    Topic("الدفاع المدني", (_p("دفاع (?:ال)?مدني"),)),
    Topic("التحرش", (_s("تحرش"),)),
    Topic("رمضان", (_w("رمضان"),)),
    Topic("الملك سلمان", (_p("ملك سلمان", "خادم (?:ال)?حرمين"),)),
    Topic("الخطوط السعودية", (_p("خطوط (?:(?:ال)?جويه )?(?:ال)?سعوديه"),)),
    Topic("تويتر", (_w("تويتر", "تغريده", "تغريدات"),)),
    Topic("الزكاة", (_w("زكاه"),)),
    Topic("القضية الفلسطينية", (_any(_s("فلسطين"), _w("قدس", "اقصي", "غزه")),)),
]


def grade(topic: Topic, title: str, body: str) -> int:
    """2, 1 or 0 for one article; ``title`` and ``body`` already folded."""
    if topic.matches(title):
        return 2
    if topic.matches(body[:LEAD]) or topic.mentions(body) >= MIN_MENTIONS:
        return 1
    return 0


def judgments(articles: list[Article], topics: list[Topic] = TOPICS) -> dict[str, dict[str, int]]:
    """Topic query → {canonical URL: grade} for every article with grade ≥ 1."""
    folded = [(fold(a.get("title", "")), fold(a.get("text", ""))) for a in articles]
    out: dict[str, dict[str, int]] = {}
    for topic in topics:
        grades: dict[str, int] = {}
        for art, (title, body) in zip(articles, folded, strict=True):
            g = grade(topic, title, body)
            if g:
                grades[art["canonical_url"]] = g
        out[topic.query] = grades
    return out
