"""Boilerplate rules, pinned one by one on lines taken from the real leaked seeds."""

from __future__ import annotations

from pipelines.cleanup import bylines, clean_text, strip_title_suffix
from pipelines.credits import find_agencies, find_original_source

BODY = "وأضافت: إن مقاتليها تمكنوا من تحرير 195 مدنياً، بينهم دواعش مصابون."


def test_back_to_top_label_is_removed():
    assert clean_text(f"{BODY}\n\nزر الذهاب إلى الأعلى\n") == BODY


def test_site_name_trailer_line_and_glued_trailer():
    assert clean_text(f"{BODY}\nصحيفة الوطن", line_phrases=["صحيفة الوطن"]) == BODY
    assert clean_text(f"{BODY}صحيفة الوطن", line_phrases=["صحيفة الوطن"]) == BODY


def test_site_name_inside_a_sentence_is_kept():
    line = "وقالت صحيفة الوطن إن الاجتماع تأجل إلى الأسبوع المقبل."
    assert clean_text(f"{line}\n{BODY}", line_phrases=["صحيفة الوطن"]) == f"{line}\n{BODY}"


def test_phrase_does_not_match_inside_a_word():
    line = "ونقل المراسل لعنب بلدي"
    assert clean_text(line, line_phrases=["عنب بلدي"]) == line


def test_dw_trailer_on_its_own_line_or_glued():
    trailer = "هذا المحتوى من موقع دوتش فيل اضغط هنا لعرض الموضوع بالكامل"
    assert clean_text(f"{BODY}\n{trailer}") == BODY
    assert clean_text(f"{BODY} {trailer}") == BODY


def test_leading_section_title_and_byline_are_dropped():
    text = "سورية\n«قسد» تفاوض داعش\n| الوطن – وكالات\n" + BODY
    assert clean_text(text, drop_leading=["سورية", "«قسد» تفاوض داعش"]) == BODY
    assert bylines(text) == ["| الوطن – وكالات"]


def test_tashkeel_in_body_is_kept():
    assert clean_text("تلافياً لإحراجها\nزر الذهاب إلى الأعلى") == "تلافياً لإحراجها"


def test_dateline_and_signoff():
    text = f"السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م\n{BODY}\nع.ج/ ح.ز (د.ب.أ)"
    assert clean_text(text, is_dateline=lambda line: "٢٠١٧" in line) == BODY


def test_copyright_line_is_dropped():
    assert clean_text(f"{BODY}\n© جميع الحقوق محفوظة 2017") == BODY


def test_title_suffix():
    assert strip_title_suffix("عنوان الخبر - صحيفة الوطن", [" - صحيفة الوطن"]) == "عنوان الخبر"
    assert strip_title_suffix("عنوان الخبر | DW عربية", site_names=["DW عربية"]) == "عنوان الخبر"
    assert strip_title_suffix("سوريا - تركيا: محادثات") == "سوريا - تركيا: محادثات"


def test_agencies_are_normalized():
    assert find_agencies("| الوطن – وكالات") == ["وكالات"]
    assert find_agencies("نفى لـ( د. ب.أ) علمه", "قال لوكالة الأنباء الألمانية (د.ب.أ)") == ["د.ب.أ"]
    assert set(find_agencies("(أ ف ب)", "نقلت وكالة رويترز", "(سانا)")) == {"أ ف ب", "رويترز", "سانا"}
    assert find_agencies("نص بلا أي وكالة أنباء مذكورة") == []


def test_original_source_from_trailer():
    assert find_original_source("هذا المحتوى من موقع دوتش فيل اضغط هنا لعرض الموضوع بالكامل") == "DW"
    assert find_original_source("المصدر: دوتش فيله") == "DW"
    assert find_original_source(BODY) == ""
