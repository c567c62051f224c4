"""The Arabic analysis chain, rule by rule, pinned to Lucene ArabicAnalyzer behaviour."""

from __future__ import annotations

import pytest

from index.analysis import (
    SKELETON_MARK,
    SKELETON_MIN,
    STOPWORDS,
    aggressive_terms,
    analyze,
    analyze_forms,
    analyze_token,
    forms,
    normalize,
    root,
    skeletons_of,
    stem,
    tokenize,
)
from index.embedded import fts5_match
from index.query import parse_query

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


# -- light stemming: proclitics ------------------------------------------------------------


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
        # stacked: و/ف + ب/ك + ال, و/ف + لل
        ("وبالكتاب", "كتاب"),
        ("فبالكتاب", "كتاب"),
        ("وكالكتاب", "كتاب"),
        ("وللكتاب", "كتاب"),
        ("فللكتاب", "كتاب"),
    ],
)
def test_each_proclitic(word, stemmed):
    assert stem(word) == stemmed


def test_stacked_proclitics_meet_the_plain_word():
    for stacked, plain in [("وللمسجد", "المسجد"), ("وبالصور", "الصور"), ("وللمزارعين", "المزارعين"),
                           ("وللسعوديين", "السعوديين"), ("وللدفاع", "للدفاع")]:
        assert analyze_token(stacked) == analyze_token(plain), stacked


def test_only_one_proclitic_group_and_first_match_wins():
    assert stem("والكتاب") == "كتاب"  # وال, not و then ال
    assert stem("ووزير") == "وزير"  # one و removed, the word's own و stays
    assert stem("ولد") == "ولد"  # 3 letters: و needs 3 to remain


def test_proclitic_length_guards():
    assert stem("الم") == "الم"  # ال must leave 2 letters
    assert stem("المس") == "مس"
    assert stem("بالم") == "بالم"  # بال must leave 2
    assert stem("بالمس") == "مس"
    assert stem("للم") == "للم"  # لل must leave 2
    assert stem("وبالم") == "بالم"  # a stack must leave 2 too; the lone و (3 left) goes instead
    assert stem("وقال") == "قال"  # و with 3 left


def test_lone_fa_and_prepositions_are_never_stripped():
    # Too many words begin with these letters: only ال-stacks and لل lose them.
    for word in ["فريق", "فرنسا", "بلاد", "كلمه", "لبنان"]:
        assert stem(word)[0] == word[0]


def test_waw_that_belongs_to_the_word_is_kept():
    # «وزير» and «الوزير» must meet: light10 alone turns the first into «زير».
    assert analyze_token("وزير") == analyze_token("الوزير") == analyze_token("ووزير") == "وزير"
    assert analyze_token("وزارة") == analyze_token("الوزارة")
    assert analyze_token("واشنطن") == "واشنطن"
    assert analyze_token("وقال") == analyze_token("قال")  # the conjunction still goes


def test_waw_lexicon_is_normalized_and_waw_initial():
    from index.analysis import WAW_INITIAL

    assert len(WAW_INITIAL) > 100
    assert all(w.startswith("و") and w == normalize(w) for w in WAW_INITIAL)
    assert "وقال" not in WAW_INITIAL and "وزير" in WAW_INITIAL


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
        ("كتابه", "كتاب"),  # ه
        ("عربي", "عرب"),  # ي
        ("قالوا", "قال"),  # وا, verbal plural
        ("قريبا", "قريب"),  # ا, tanween-alif once normalized
    ],
)
def test_each_suffix(word, stemmed):
    assert stem(word) == stemmed


def test_suffixes_each_tried_once_in_order():
    # ات is checked before ه: by the time ه goes, ات is no longer revisited.
    assert stem("كتاباته") == "كتابات"
    # ين is checked before ه: same, «سنينه» keeps ين.
    assert stem("سنينه") == "سنين"
    # A later suffix can still go after an earlier one: ان then ي, ات then ي, ا then ي.
    assert stem("عربيان") == "عرب"
    assert stem("عربيات") == "عرب"
    assert stem("سوريا") == stem("سوريه") == "سور"
    # ها then nothing: «مدرستها» ends in ت once ها is gone.
    assert stem("مدرستها") == "مدرست"


def test_suffix_length_checks():
    assert stem("بها") == "بها"  # ها must leave 2
    assert stem("كتها") == "كت"
    assert stem("مات") == "مات"  # ات must leave 2
    assert stem("كه") == "كه"  # ه must leave 2
    assert stem("كته") == "كت"
    assert stem("في") == "في"  # ي must leave 2
    assert stem("جدا") == "جدا"  # ا must leave 3
    assert stem("دعوا") == "دعو"  # وا must leave 3 (ا may go: it leaves 3)


def test_dual_an_must_leave_four_letters():
    # Nouns and names ending in ان keep it; a true dual of a longer word loses it.
    for word in ["إعلان", "بيان", "مكان", "لبنان", "رمضان"]:
        assert stem(normalize(word)).endswith("ان"), word
    assert stem(normalize("مسؤولان")) == stem(normalize("مسؤول"))
    assert analyze_token("الإعلان") == analyze_token("إعلان")


def test_hamza_seat_is_folded():
    assert normalize("مسؤول") == normalize("مسئول") == "مسءول"
    assert analyze_token("الشؤون") == analyze_token("الشئون")


def test_tanween_alif_meets_the_bare_word():
    assert analyze_token("قريبًا") == analyze_token("قريباً") == analyze_token("قريبا") == analyze_token("قريب")


def test_prefix_and_suffix_together():
    assert analyze_token("والمعلمون") == "معلم"
    assert analyze_token("بالمدرسة") == "مدرس"
    assert analyze_token("وبالمدارس") == "مدارس"


def test_stem_rules_are_anchored_and_guarded():
    # Every rule is anchored (so ES's pattern_replace replaces at most one match, like Python).
    from index.analysis import STEM_RULES

    for rule in STEM_RULES:
        assert rule.pattern.startswith("^")
        assert rule.keep == rule.pattern.endswith("$")


# -- exact and root forms -----------------------------------------------------------------


def test_forms_exact_stem_root():
    f = forms("والمُفاوضات")
    assert (f.exact, f.stem) == ("والمفاوضات", "مفاوض")
    assert forms("التفاوض").root == forms("مفاوضات").root == forms("تفاوض").root
    assert forms("انتخابات").root == forms("ينتخب").root
    assert forms("covid").root == "covid" and forms("2024").root == "2024"
    assert forms("في") is None


def test_hollow_root_middle_radical_is_folded():
    # ISRI gives «قول» or «قال» depending on the pattern; folded they meet.
    assert root("قال") == root("قالوا") == root("وقال") == root("القول")


@pytest.mark.parametrize(("one", "other"), [
    ("الديموقراطية", "الديمقراطية"), ("واشنطون", "واشنطن"), ("تكنولوجيا", "تكنلوجيا"),
    ("إليكترونية", "الإلكترونية"), ("وبالديموقراطيين", "الديمقراطيين"),
])
def test_loanword_spellings_meet_on_the_skeleton(one, other):
    assert forms(one).skeleton == forms(other).skeleton != ""
    assert forms(one).stem != forms(other).stem  # what the skeleton is for: the stems differ


def test_skeleton_is_marked_and_only_for_long_words():
    assert forms("الديمقراطية").skeleton == SKELETON_MARK + "دمقرطه"
    assert len(forms("مستشفيات").skeleton) - 1 >= SKELETON_MIN
    for short in ("قال", "يوم", "فيروس", "مئة", "covid", "2024"):  # fewer than SKELETON_MIN letters left
        assert forms(short).skeleton == "", short
    assert skeletons_of("قال الديمقراطيون في واشنطن") == [forms("الديمقراطيون").skeleton, forms("واشنطن").skeleton]
    assert aggressive_terms("قال الديمقراطيون") == [forms("قال").root, forms("الديمقراطيون").root,
                                                  forms("الديمقراطيون").skeleton]


def test_analyze_forms_parallel_lists():
    exact, stems, roots = analyze_forms("بدأت المفاوضات في الرقة")
    assert exact == ["بدات", "المفاوضات", "الرقه"]
    assert stems == analyze("بدأت المفاوضات في الرقة")
    assert len(roots) == 3


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


def test_parse_query_groups_and_phrases():
    q = parse_query('مفاوضات "وزير الخارجية" الرقة')
    assert q.terms == ["مفاوض", "رق"]
    assert [w.text for w in q.words] == ["مفاوضات", "الرقة"]
    assert q.words[0].exact == "مفاوضات" and q.words[0].root == forms("مفاوضات").root
    assert q.phrases == [["وزير", "خارج"]]


@pytest.mark.parametrize(("n", "required"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (8, 6)])
def test_required_groups_all_up_to_two_then_75_percent(n, required):
    words = ["مدرسة", "مستشفى", "جامعة", "مطار", "ميناء", "حديقة", "ملعب", "مكتبة"][:n]
    q = parse_query(" ".join(words))
    assert len(q.words) == n
    assert q.required() == required
    assert q.levels() == list(range(required, 0, -1))


def test_spelling_variants_expand_a_group():
    q = parse_query("أمريكا")
    assert [v.text for v in q.words[0].variants] == ["أميركا"]
    # A run of words that spells a listed name is one group, with the other spellings as variants.
    q = parse_query("تنظيم الدولة في الرقة")
    assert [w.text for w in q.words] == ["تنظيم الدولة", "الرقة"]
    assert {v.text for v in q.words[0].variants} == {"داعش", "الدولة الإسلامية"}
    assert q.required() == 2


def test_compound_names_joined_or_apart_are_one_group():
    apart = parse_query("مطار الملك عبد العزيز")
    assert [w.text for w in apart.words] == ["مطار", "الملك", "عبد العزيز"]
    assert [v.text for v in apart.words[2].variants] == ["عبدالعزيز"]
    joined = parse_query("أبوظبي")
    assert [v.terms for v in joined.words[0].variants] == [tuple(analyze("ابو ظبي"))]


def test_variant_list_is_well_formed():
    from index.query import variant_table

    table = variant_table()
    assert table, "index/data/variants.txt is empty"
    for key, others in table.items():
        assert key and all(o.terms != key for o in others)


def test_repeated_words_count_once_and_proximity_pairs():
    q = parse_query("مفاوضات المفاوضات الرقة")
    assert len(q.words) == 2
    assert q.proximity_pairs() == [("مفاوض", "رق")]


@pytest.mark.parametrize(
    "text", ['"', "*", "NEAR(", "AND OR NOT", "-x", "^", ":", "{}", 'a "b c', '""', "في من", "", "title:x",
             "{title_x}: x", "وزير OR"]
)
def test_match_expression_only_contains_quoted_tokens(text):
    import re

    expr = fts5_match(parse_query(text))
    # Outside double-quoted strings, only our own syntax: column filters, OR/AND, +, parentheses.
    outside = re.sub(r'"(?:[^"]|"")*"', "", expr)
    assert re.fullmatch(r"[\s(){}:+]*(?:(?:OR|AND|title|lead|body|title_x|body_x|title_r|lead_r)[\s(){}:+]*)*",
                        outside), expr


def test_string_suffix_rules_equal_their_regular_expressions():
    """``stem`` applies suffix rules as string tests; the engine gets the regular expressions.
    Both must give the same stem for every word of real text and every tricky shape."""
    from pathlib import Path

    from index.analysis import stem_by_patterns

    words: set[str] = set()
    for path in Path(__file__).parent.parent.joinpath("samples", "sites").glob("*/articles.toml"):
        words.update(normalize(tok) for tok, _, _ in tokenize(path.read_text(encoding="utf-8")))
    words.update(["ها", "اها", "بها", "كتها", "وا", "دعوا", "قالوا", "ا", "جدا", "قريبا", "ان", "بيان", "اعلان",
                  "مسءولان", "ات", "مات", "ين", "ي", "يه", "ه", "كه", "سوريا", "وللمسجد", "وبالم"])
    assert len(words) > 1000
    assert [w for w in words if stem(w) != stem_by_patterns(w)] == []


def test_roots_are_nltks_own_with_its_patterns_compiled_again():
    """``root`` runs nltk's ISRI stemmer with its three patterns compiled by ``re`` instead of nltk's
    timed ``regex`` wrapper: every root of real text, and words with short vowels, hamza seats and
    initial hamza (what the patterns match), must be what nltk's own stemmer gives."""
    from pathlib import Path

    from nltk.stem.isri import ISRIStemmer

    from index.analysis import _isri_stemmer

    words: set[str] = set()
    for path in Path(__file__).parent.parent.joinpath("samples", "sites").glob("*/articles.toml"):
        words.update(tok for tok, _, _ in tokenize(path.read_text(encoding="utf-8")))
    words.update(["أَكَلَ", "إستقبال", "آمال", "مسؤول", "رئيس", "سماء", "أأمن", "ؤلؤ", "إِسْلامِيّة"])
    assert len(words) > 1000
    ours, theirs = _isri_stemmer(), ISRIStemmer()
    assert ours.re_short_vowels is not theirs.re_short_vowels  # the patterns were indeed replaced
    assert [w for w in words if ours.stem(w) != theirs.stem(w)] == []
