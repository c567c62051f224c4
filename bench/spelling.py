"""Spelling variants of names and loanwords that Arabic newsrooms write differently.

Each rule lists forms that are all in real use for the same word (by region, house style or
era), so a reader may type any of them for a headline written with another: Levantine and
official Syrian سورية beside Gulf سوريا, أميركا beside أمريكا, Egyptian/Saudi مسئول beside
مسؤول, غ or ج or ق for a foreign g (الكونغرس/الكونجرس, غوغل/جوجل/قوقل), compound names written
joined or apart (عبدالله/عبد الله, أبوظبي/أبو ظبي, فيسبوك/فيس بوك), hamza on the first alef of
foreign names that many writers leave off (إندونيسيا/اندونيسيا), and Latin or Eastern Arabic
digits (2015/٢٠١٥). Pairs that are different words are left out on purpose (روسيا/روسية: the
second is the adjective; ليبيا/ليبية likewise).

A rule matches a whole word: optional proclitics (و/ف, ب/ك/ل, and ال where the rule allows the
article), one of the forms, then the endings the rule allows.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

_NOT_LETTER_BEFORE = r"(?<![\u0621-\u064A])"
_NOT_LETTER_AFTER = r"(?![\u0621-\u064A])"
_PROCLITICS = r"(?:[وف]?[بكل]?)"
_WITH_ARTICLE = r"(?:[وف]?لل|[وف]?[بك]?ال|[وف]?[بكل]?)"
_ANY_ENDING = r"[\u0621-\u064A]*"
_NISBA = r"(?:ي|ية|يون|يين|يان|يتين)?"


@dataclass
class Rule:
    name: str
    forms: tuple[str, ...]
    ending: str = ""  # regex for what may follow the form inside the word
    article: bool = False  # whether ال may precede the form
    regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        alts = "|".join(re.escape(f) for f in sorted(self.forms, key=len, reverse=True))
        pre = _WITH_ARTICLE if self.article else _PROCLITICS
        self.regex = re.compile(f"{_NOT_LETTER_BEFORE}({pre})({alts})({self.ending}){_NOT_LETTER_AFTER}")


_DIVINE = ("الله", "العزيز", "الرحمن", "الرحيم", "الكريم", "اللطيف", "المحسن", "الملك", "الإله", "المجيد",
           "العظيم", "الحميد", "السلام", "الهادي", "القادر", "الوهاب", "الناصر", "الجليل", "الخالق", "الرزاق",
           "الحكيم", "الحليم", "المنعم", "المطلب", "الغني", "الباري", "المعين", "الفتاح", "الستار")

RULES: list[Rule] = [
    Rule("سوريا/سورية", ("سوريا", "سورية")),
    Rule("أمريكا/أميركا", ("أمريك", "أميرك"), r"(?:ا|ي|ية|يون|يين|يان|يتين|يتان)", article=True),
    Rule("مسؤول/مسئول", ("مسؤول", "مسئول"), _ANY_ENDING, article=True),
    Rule("شؤون/شئون", ("شؤون", "شئون"), "", article=True),
    Rule("كونغرس/كونجرس", ("كونغرس", "كونجرس"), "", article=True),
    Rule("غوغل/جوجل/قوقل", ("غوغل", "جوجل", "قوقل")),
    Rule("إنجليز/إنكليز", ("إنجليز", "إنكليز", "انجليز"), _ANY_ENDING, article=True),
    Rule("إنجلترا/إنكلترا", ("إنجلترا", "إنكلترا", "انجلترا")),
    Rule("ديمقراطي/ديموقراطي", ("ديمقراط", "ديموقراط"), _ANY_ENDING, article=True),
    Rule("فيروس/فايروس", ("فيروس", "فايروس"), r"(?:ات)?", article=True),
    Rule("تكنولوجيا/تكنلوجيا", ("تكنولوج", "تكنلوج"), _ANY_ENDING, article=True),
    Rule("إلكتروني/إليكتروني", ("إلكترون", "الكترون", "إليكترون"), _ANY_ENDING, article=True),
    Rule("إنترنت/انترنت/انترنيت", ("إنترنت", "انترنت", "انترنيت"), "", article=True),
    Rule("أفريقيا/إفريقيا", ("أفريقي", "إفريقي", "افريقي"), r"(?:ا|ة|ون|ين|يا)?", article=True),
    Rule("أوروبا/أوربا", ("أوروب", "أورب", "اوروب"), r"(?:ا|ي|ية|يون|يين)", article=True),
    Rule("إسبانيا/أسبانيا", ("إسباني", "أسباني", "اسباني"), r"(?:ا|ة|ون|ين)?", article=True),
    Rule("إندونيسيا/أندونيسيا", ("إندونيسي", "أندونيسي", "اندونيسي"), r"(?:ا|ة|ون|ين)?", article=True),
    Rule("أستراليا/استراليا", ("أسترالي", "استرالي"), r"(?:ا|ة|ون|ين)?", article=True),
    Rule("إيطاليا/ايطاليا", ("إيطالي", "ايطالي"), r"(?:ا|ة|ون|ين)?", article=True),
    Rule("إيران/ايران", ("إيران", "ايران"), _NISBA, article=True),
    Rule("إسرائيل/اسرائيل", ("إسرائيل", "اسرائيل"), _NISBA, article=False),
    Rule("الإمارات/الامارات", ("إمارات", "امارات"), r"(?:ي|ية)?", article=True),
    Rule("إسطنبول/اسطنبول", ("إسطنبول", "اسطنبول", "استانبول")),
    Rule("واشنطن/واشنطون", ("واشنطن", "واشنطون")),
    Rule("ترامب/ترمب", ("ترامب", "ترمب")),
    Rule("موريتانيا/موريطانيا", ("موريتاني", "موريطاني"), r"(?:ا|ة)?", article=True),
    Rule("المئة/المائة", ("مئة", "مائة"), "", article=True),
    Rule("ستاد/استاد", ("ستاد", "استاد"), "", article=True),
    Rule("فيسبوك/فيس بوك", ("فيسبوك", "فيس بوك")),
    Rule("واتساب/واتس اب", ("واتساب", "واتس اب", "واتس آب"), "", article=True),
    Rule("سناب شات/سنابشات", ("سناب شات", "سنابشات", "سناب تشات")),
    Rule("أبوظبي/أبو ظبي", ("أبوظبي", "أبو ظبي")),
    Rule("عبدالله/عبد الله", tuple(f"عبد{d}" for d in _DIVINE) + tuple(f"عبد {d}" for d in _DIVINE)),
]
_LATIN = "0123456789"
_EASTERN = "٠١٢٣٤٥٦٧٨٩"
_DIGITS = re.compile(r"[0-9]+|[٠-٩]+")
DIGITS_RULE = "2015/٢٠١٥"


def _swap_joined(form: str, forms: tuple[str, ...], rng: random.Random) -> str:
    """Another form of the same word; for the عبد names, the same name joined↔apart."""
    if form.startswith("عبد"):
        return "عبد " + form[3:] if not form.startswith("عبد ") else "عبد" + form[4:]
    return rng.choice([f for f in forms if f != form])


def applicable(text: str) -> list[str]:
    """Names of the rules (and the digits rule) that find one of their forms in ``text``."""
    names = [r.name for r in RULES if r.regex.search(text)]
    return [*names, DIGITS_RULE] if _DIGITS.search(text) else names


def apply(text: str, rule_name: str, rng: random.Random) -> str:
    """``text`` with the first match of the rule written in another of its forms (digits: all)."""
    if rule_name == DIGITS_RULE:  # one keyboard per query: every number switches script
        m = _DIGITS.search(text)
        assert m, "apply() called for a rule that does not match"
        table = str.maketrans(_LATIN, _EASTERN) if m.group()[0] in _LATIN else str.maketrans(_EASTERN, _LATIN)
        return text.translate(table)
    rule = next(r for r in RULES if r.name == rule_name)
    m = rule.regex.search(text)
    assert m, "apply() called for a rule that does not match"
    new = _swap_joined(m.group(2), rule.forms, rng)
    return text[: m.start(2)] + new + text[m.end(2):]
