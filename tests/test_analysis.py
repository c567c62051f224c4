"""The Arabic analysis chain, rule by rule, pinned to Lucene ArabicAnalyzer behaviour."""

from __future__ import annotations

import pytest

from index.analysis import STOPWORDS, analyze, analyze_token, normalize, stem, tokenize
from index.query import fts5_match, parse_query

# -- tokenizer ----------------------------------------------------------------------------


def test_tokenize_offsets_point_into_original_text():
    text = "قال الوزير: «المفاوضات» مستمرة!"
    toks = tokenize(text)
    assert [t for t, _, _ in toks] == ["قال", "الوزير", "المفاوضات", "مستمرة"]
    for tok, start, end in toks:
        assert text[start:end] == tok


def test_tokenize_keeps_tashkeel_and_tatweel_inside_the_word():
    assert [t for t, _, _ in tokenize("مُفَاوَضَاتٌ الـــرقة")] == ["مُفَاوَضَاتٌ", "الـــرقة"]


def test_tokenize_splits_on_punctuation_and_joins_digits_with_letters():
    assert [t for t, _, _ in tokenize("covid-19، عام 2024م (hello)")] == ["covid", "19", "عام", "2024م", "hello"]


# -- normalization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "normal"),
    [
        ("أحمد", "احمد"),  # alef with hamza above
        ("إسلام", "اسلام"),  # alef with hamza below
        ("آمال", "امال"),  # alef madda
        ("ٱلله", "الله"),  # alef wasla
        ("مستشفى", "مستشفي"),  # alef maksura -> yeh
        ("مدرسة", "مدرسه"),  # teh marbuta -> heh
        ("كـــتاب", "كتاب"),  # tatweel
        ("كِتَابٌ", "كتاب"),  # kasra, fatha, dammatan
        ("كتاباً", "كتابا"),  # fathatan
        ("كتابٍ", "كتاب"),  # kasratan
        ("مُحمّد", "محمد"),  # damma, shadda
        ("قُلْ", "قل"),  # sukun
        ("هٰذا", "هذا"),  # superscript alef
        ("ABC Def", "abc def"),  # Latin lowercased
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),  # Eastern Arabic digits
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),  # Persian digits
    ],
)
def test_normalize(surface, normal):
    assert normalize(surface) == normal


def test_normalize_keeps_spaces():
    assert normalize("أَهْلاً  وسَهْلاً") == "اهلا  وسهلا"


# -- stop words ---------------------------------------------------------------------------


def test_stopwords_are_normalized_forms():
    assert {"في", "من", "علي", "الي", "ان", "هذا", "التي", "الذي", "الان", "او"} <= STOPWORDS
    assert not any(ch in w for w in STOPWORDS for ch in "أإآىة")


@pytest.mark.parametrize("word", ["في", "من", "على", "علي", "إلى", "الى", "أن", "إن", "أو", "هذه", "الآن", "عَلَى"])
def test_stopwords_removed_after_normalization(word):
    assert analyze_token(word) is None


def test_only_stopwords_analyze_to_nothing():
    assert analyze("في من على إلى أن") == []
    assert analyze("") == []
    assert analyze_token("ـــ") is None  # tatweel only: empty after normalization


# -- light stemming: prefixes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("الكتاب", "كتاب"),  # ال
        ("والكتاب", "كتاب"),  # وال
        ("بالكتاب", "كتاب"),  # بال
        ("كالكتاب", "كتاب"),  # كال
        ("فالكتاب", "كتاب"),  # فال
        ("للكتاب", "كتاب"),  # لل
        ("وكتاب", "كتاب"),  # و
    ],
)
def test_each_prefix(word, stemmed):
    assert stem(word) == stemmed


def test_only_one_prefix_and_first_match_wins():
    assert stem("وللكتاب") == "للكتاب"  # و removed, then no second pass for لل
    assert stem("والكتاب") == "كتاب"  # وال, not و then ال
    assert stem("ولد") == "ولد"  # 3 letters: و needs 4


def test_prefix_length_checks():
    assert stem("الم") == "الم"  # ال needs 4+ letters (2 must remain)
    assert stem("المس") == "مس"
    assert stem("بالم") == "بالم"  # بال needs 5+
    assert stem("بالمس") == "مس"
    assert stem("للم") == "للم"  # لل needs 4+
    assert stem("وقال") == "قال"  # و with 4 letters


# -- light stemming: suffixes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("كتبها", "كتب"),  # ها
        ("معلمان", "معلم"),  # ان
        ("معلمات", "معلم"),  # ات
        ("معلمون", "معلم"),  # ون
        ("معلمين", "معلم"),  # ين
        ("معلميه", "معلم"),  # يه
        ("معلمية", "معلم"),  # ية (only reachable before normalization, kept for fidelity)
        ("كتابه", "كتاب"),  # ه
        ("مدرسة", "مدرس"),  # ة
        ("عربي", "عرب"),  # ي
    ],
)
def test_each_suffix(word, stemmed):
    assert stem(word) == stemmed


def test_suffixes_each_tried_once_in_order():
    # ات is checked before ه: by the time ه goes, ات is no longer revisited.
    assert stem("كتاباته") == "كتابات"
    # ين is checked before ه: same, «سنينه» keeps ين.
    assert stem("سنينه") == "سنين"
    # A later suffix can still go after an earlier one: ان then ي, ات then ي.
    assert stem("عربيان") == "عرب"
    assert stem("عربيات") == "عرب"
    # ها then nothing: «مدرستها» ends in ت once ها is gone.
    assert stem("مدرستها") == "مدرست"


def test_suffix_length_checks():
    assert stem("بها") == "بها"  # ها needs 4+ letters
    assert stem("كتها") == "كت"
    assert stem("مات") == "مات"  # ات needs 4+
    assert stem("كه") == "كه"  # ه needs 3+
    assert stem("كته") == "كت"
    assert stem("في") == "في"  # ي needs 3+


def test_prefix_and_suffix_together():
    assert analyze_token("والمعلمون") == "معلم"
    assert analyze_token("بالمدرسة") == "مدرس"


# -- variants meet -------------------------------------------------------------------------


def test_inflection_variants_share_a_stem():
    assert len({analyze_token(w) for w in ["المفاوضات", "مفاوضات", "ومفاوضات", "بالمفاوضات", "مُفَاوَضَات"]}) == 1
    assert analyze_token("الرقة") == analyze_token("رقه") == analyze_token("الرقه")
    assert analyze_token("أميركا") == analyze_token("اميركا") == analyze_token("إميركا")
    assert analyze_token("مستشفى") == analyze_token("مستشفي")


def test_digits_fold_to_ascii():
    assert analyze("عام ٢٠٢٤") == analyze("عام 2024") == analyze("عام ۲۰۲۴")


def test_analyze_drops_stopwords_and_stems_in_order():
    # «بدأت» → بدات → بد: 4 letters are enough for ات, as in Lucene.
    assert analyze("بدأت المفاوضات في الرقة") == ["بد", "مفاوض", "رق"]


# -- query parsing -------------------------------------------------------------------------


def test_parse_query_terms_and_phrases():
    q = parse_query('مفاوضات "وزير الخارجية" الرقة')
    assert q.terms == ["مفاوض", "رق"]
    # «وزير» loses و like any 4-letter word in light10 — same on both sides, so it still matches.
    assert q.phrases == [["زير", "خارج"]]
    assert fts5_match(q) == '"مفاوض" AND "رق" AND "زير" + "خارج"'


@pytest.mark.parametrize(
    "text", ['"', "*", "NEAR(", "AND OR NOT", "-x", "^", ":", "{}", 'a "b c', '""', "في من", "", "title:x"]
)
def test_match_expression_only_contains_quoted_tokens(text):
    expr = fts5_match(parse_query(text))
    for part in expr.replace(" AND ", "\0").replace(" + ", "\0").split("\0"):
        if part:
            assert part.startswith('"') and part.endswith('"') and '"' not in part[1:-1]


def test_unclosed_quote_is_plain_terms():
    q = parse_query('مفاوضات "وزير الخارجية')
    assert q.phrases == []
    assert q.terms == ["مفاوض", "زير", "خارج"]
