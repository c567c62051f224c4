"""Boilerplate rules, pinned one by one on lines taken from the real leaked seeds."""

from __future__ import annotations

import pytest

from pipelines.cleanup import author_from_line, bylines, clean_lines, is_ui_line, strip_title_suffix
from pipelines.credits import find_agencies, find_original_source


def clean_text(text: str, **rules) -> str:
    """The cleaned story as one string, as the rules below are easiest to read."""
    return "\n".join(clean_lines(text, **rules))


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


# --- shapes of theme chrome, whatever the site ---------------------------------------------------------------
def test_ui_line_shapes_are_dropped_anywhere():
    chrome = [
        "اقرأ أيضاً: وزير الصحة يفتتح مستشفى جديداً في جدة",
        "تابعونا على تويتر @ajelnews",
        "تابعوا آخر الأخبار عبر تطبيق التلغرام على الهواتف الذكية عبر الرابط: https://t.me/x",
        "كلمات دالة: الرياض، الصحة، التعليم",
        "جميع الحقوق محفوظة لجريدة الأفق © 2015",
        "تصوير: ماجد العتيبي",
        "(تصوير: عاجل)",
        "صورة تعبيرية (المنصة)",
        "عدد القراءات: 2311",
        "شارك:",
        "طباعة الخبر | أرسل الخبر لصديق | عودة",
        "الرئيسية > محليات",
        "اشترك في نشرتنا البريدية",
        "إعلان",
    ]
    for line in chrome:
        assert clean_text(f"{BODY}\n{line}\n{BODY}") == f"{BODY}\n{BODY}", line


def test_sentences_that_start_like_chrome_are_kept():
    for line in ("تابعوا المباراة في الملعب وسط أجواء حماسية كبيرة، وهتفوا للفريق حتى النهاية.",
                 "إعداد الخطط المستقبلية للوزارة يتطلب جهدا كبيرا",
                 "وقال الوزير: اقرأوا التقرير كاملاً قبل الحكم عليه."):
        assert clean_text(f"{line}\n{BODY}") == f"{line}\n{BODY}", line


def test_author_and_agency_datelines_open_the_text_only():
    text = f"كتب: سارة القحطاني\nدمشق-سانا\n{BODY}"
    assert clean_text(text, is_credit=lambda line: bool(find_agencies(line))) == BODY
    assert author_from_line("كتب - خالد السبيعي") == "خالد السبيعي"
    assert author_from_line("بقلم: محمد الغامدي - الرياض") == "محمد الغامدي"
    assert author_from_line("إعداد الخطط المستقبلية للوزارة") == ""


def test_closing_source_line_and_editor_name():
    assert clean_text(f"{BODY}\n{BODY}\nالمصدر: سكاي نيوز عربية") == f"{BODY}\n{BODY}"
    assert clean_text(f"{BODY}\n{BODY}\nرشا محفوض") == f"{BODY}\n{BODY}"
    assert clean_text(f"{BODY}\n{BODY}\n(أ ف ب)") == f"{BODY}\n{BODY}"


def test_learned_lines_are_dropped_before_the_closing_rules():
    promo = "حمّلوا تطبيق المنصة"
    lines = clean_lines(f"{BODY}\nالمصدر: سكاي نيوز عربية\n{promo}", drop=lambda line: line == promo)
    assert lines == [BODY]


def test_title_prefix_and_dw_stamp():
    assert strip_title_suffix("جريدة الأفق :: عنوان الخبر", site_names=["جريدة الأفق"]) == "عنوان الخبر"
    assert strip_title_suffix("عنوان الخبر – DW – 24.07.2015") == "عنوان الخبر"


def test_original_source_sky_news():
    assert find_original_source("المصدر: سكاي نيوز عربية") == "Sky News Arabia"


def test_agency_spellings_split_for_speed_match_as_the_word_bounded_pattern_did():
    """«واس» is written to start with its letters (re's fast scan) instead of ``\\bواس\\b``: the same
    matches at word edges, none inside a word."""
    import re

    word = re.compile(r"\bواس\b")
    for text in ["الرياض - واس", "واس", "قالت واس.", "(واس)", "واس:", "الواس", "واسع", "وواس", "خبرواس",
                 "نقلا عن واس وكونا", "_واس", "واس_", "1واس"]:
        assert ("واس" in find_agencies(text)) == bool(word.search(text)), text


def test_phrase_patterns_start_with_letters_and_match_as_the_word_bounded_form():
    import re

    from pipelines.cleanup import _phrase_re, squash

    def bounded(phrase: str) -> re.Pattern[str]:  # the plain form: no word character just before
        return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in squash(phrase).split(" ")))

    texts = ["لعنب بلدي", "عنب بلدي", "قال عنب  بلدي", ".صحيفة الوطن", "الصحيفة الوطن", "صحيفة الوطنية", "aDW",
             "DW", " DW", "x.y (z)", "ax.y (z)", "الخبر.اضغط هنا   لعرض الموضوع بالكامل", "_عنب بلدي", "1عنب بلدي"]
    for phrase in ["صحيفة الوطن", "عنب بلدي", "DW", "x.y (z)", "اضغط هنا لعرض الموضوع بالكامل"]:
        for text in texts:
            assert [m.span() for m in _phrase_re(phrase).finditer(text)] == \
                   [m.span() for m in bounded(phrase).finditer(text)], (phrase, text)


def test_credited_name_takes_the_label_off_and_refuses_roles():
    from pipelines.cleanup import credited_name

    assert credited_name("بواسطة سارة القحطاني") == "سارة القحطاني"
    assert credited_name("Author,نورة الشهري") == "نورة الشهري"
    assert credited_name("بقلم: محمد الغامدي") == "محمد الغامدي"
    assert credited_name("Role,بي بي سي نيوز عربي") == ""
    assert credited_name("خالد السبيعي") == "خالد السبيعي"


@pytest.mark.parametrize("line", [
    "لقد حدّثنا سياستنا المتعلقة بالخصوصية وبالشروط الخاصة بملفات الارتباط (الكوكيز). "
    "باستمرارك في تصفح الموقع فإنك توافق على ذلك.",
    "نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا.",
    "ترحب شبكة الخبر بالنقاش الحيوي والمفيد، وتحتفظ بحقها في حذف التعليقات المسيئة.",
    "الآراء الواردة أدناه لا تعبر عن رأي الموقع وإنما عن رأي أصحابها.",
    "يرجى الالتزام بآداب الحوار عند كتابة التعليق، والتعليقات المنشورة لا تعبر بالضرورة عن رأي الجريدة.",
    "صدر الصورة، Getty Images", "التعليق على الصورة، صورة من الأرشيف", "- Author, نورة الشهري",
    "Role, بي بي سي نيوز عربي",
])
def test_consent_notices_comment_policies_and_caption_labels_are_chrome(line):
    assert is_ui_line(line)


@pytest.mark.parametrize("line", [
    "وقالت الوزارة إن سياسة الخصوصية الجديدة للمرضى ستطبق في المستشفيات الحكومية اعتبارا من الشهر المقبل.",
    "وتستخدم الشركة ملفات تعريف الارتباط لتتبع المستخدمين دون موافقتهم بحسب التحقيق الذي نشرته الصحيفة اليوم.",
    "ترحب المملكة بكل المبادرات التي تهدف إلى إحلال السلام في المنطقة وتدعو إلى الحوار.",
    "ويرحب الاتحاد بالحوار بين الأطراف ويدعو إلى الالتزام بوقف إطلاق النار.",
    "وأضاف أن التعليقات التي نشرها المسؤول لا تعبر عن موقف الحكومة الرسمي من القضية.",
    "وأكد أن هذه الأرقام لا تعبر عن الواقع الحقيقي للاقتصاد الوطني في ظل الأزمة.",
])
def test_sentences_about_privacy_comments_and_dialogue_stay(line):
    assert not is_ui_line(line)
