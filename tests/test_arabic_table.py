"""core.arabic: the regex fast paths give what ``str.translate`` over the tables gives."""

from __future__ import annotations

import sys
import unicodedata

from core.arabic import _WITHOUT_TASHKEEL, DIGIT_PLANES_END, DIGITS, TASHKEEL, TATWEEL, fold_digits, strip_tashkeel


def test_no_decimal_digit_lives_above_the_planes_the_table_scans():
    above = [cp for cp in range(DIGIT_PLANES_END, sys.maxunicode + 1) if unicodedata.decimal(chr(cp), None) is not None]
    assert above == []
    assert len(DIGITS) > 600 and DIGITS[ord("٣")] == "3" and DIGITS[ord("۷")] == "7"


def test_strip_tashkeel_drops_every_mark_and_tatweel_and_nothing_else():
    text = "مُحَمَّدٌ قالَ: الـــيوم ﷺ " + TASHKEEL + TATWEEL + " abc ١٢٣"
    assert strip_tashkeel(text) == text.translate(_WITHOUT_TASHKEEL)
    assert strip_tashkeel("مُحَمَّدٌ الـــيوم") == "محمد اليوم"
    assert strip_tashkeel("plain") == "plain"


def test_fold_digits_matches_the_table_on_every_digit_and_leaves_other_text():
    every = "".join(map(chr, DIGITS))
    assert fold_digits(every) == every.translate(DIGITS)
    assert fold_digits("سنة ١٤٣٦ هـ / 2015") == "سنة 1436 هـ / 2015"
    assert fold_digits("no digits here: ²½") == "no digits here: ²½"  # not decimal digits (No category)
