"""Arabic boilerplate removal as pure functions over extracted text, so the crawl, ``akhbar extract``,
reindexing and the gold-set harness all clean alike.

Rules are line-based because that is how boilerplate leaks out of trafilatura: a theme label or a
trailer ends up as its own line (or glued to the end of the last one). A phrase is removed where it is
a whole line, or a trailer at the very end of the text; the same words inside a sentence of the story
(«قالت صحيفة الوطن إن ...») are left alone.

Three kinds of rules, from safest to most positional:

* exact labels (``GLOBAL_LINE_BOILERPLATE`` plus the profile's phrases) anywhere in the text;
* line *shapes* that are never story text in Arabic news (``_UI_LINES``): «اقرأ أيضاً: <headline>»,
  «تابعونا على ...», tag lists, copyright notices, photo credits, view counters, share labels, rows
  of «|»-separated links, breadcrumbs — each bounded in length so a real paragraph that happens to
  start the same way survives;
* lines that only mean boilerplate where they stand: the title, section label, byline («كتب: ...»,
  «| الوطن – وكالات»), dateline credit («دمشق-سانا») and printed date at the *top*; the editors'
  sign-off, source line («المصدر: ...») and editor's name at the *bottom*.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from core.arabic import strip_tashkeel

# Labels of common Arabic news themes that are never article text when they stand alone.
GLOBAL_LINE_BOILERPLATE: tuple[str, ...] = (
    "زر الذهاب إلى الأعلى",
    "الذهاب إلى الأعلى",
    "العودة إلى الأعلى",
    "اقرأ أيضاً",
    "اقرأ أيضا",
    "إقرأ أيضاً",
    "مقالات ذات صلة",
    "أخبار ذات صلة",
    "مواضيع ذات صلة",
    "شارك هذا المقال",
    "شارك الخبر",
    "مشاركة",
    "طباعة",
    "تكبير الخط",
    "تصغير الخط",
    "حجم الخط",
    "فيسبوك تويتر واتساب",
    "تابعونا على",
    "المزيد",
    "الوسوم",
    "إعلان",
    "مساحة إعلانية",
    "نسخ الرابط",
    "أكمل القراءة",
    "اقرأ المزيد",
    "عرض النسخة الكاملة",
    "أضف تعليقك",
    "الأكثر قراءة",
    "آخر الأخبار",
)

# Headings of related-story and promo blocks: a block under one of these that holds nothing but links
# is a list of other stories, wherever a theme puts it (pipelines.page drops it before extraction).
RELATED_LABELS: tuple[str, ...] = (
    "اقرأ أيضاً", "اقرأ أيضا", "إقرأ أيضاً", "إقرأ أيضا", "قد يهمك أيضاً", "قد يهمك أيضا", "قد يهمك", "اخترنا لك",
    "مقالات ذات صلة", "أخبار ذات صلة", "مواضيع ذات صلة", "قصص ذات صلة", "موضوعات ذات صلة", "الأكثر قراءة",
    "الأكثر مشاهدة", "أهم الأخبار", "آخر الأخبار", "شاهد أيضاً", "شاهد أيضا", "المزيد من الأخبار",
)

# Syndication trailers: removed wherever they stand (they end a line, sometimes glued to it).
GLOBAL_TRAILERS: tuple[str, ...] = (
    "هذا المحتوى من موقع دوتش فيل اضغط هنا لعرض الموضوع بالكامل",
    "اضغط هنا لعرض الموضوع بالكامل",
)

_COPYRIGHT = re.compile(r"^(?:©|جميع الحقوق محفوظة|حقوق النشر|copyright)", re.IGNORECASE)
_A = "[اأإآ]"
# «... does not express the view of the site»: what a comment policy says of its comments
_NOT_OUR_VIEW = (r"(?:لا تعبر|لا تمثل|لا يعبر)(?: بالضرور[ةه])? عن (?:رأي|وجه[ةه] نظر|موقف) "
                 r"(?:الموقع|الشبك[ةه]|الجريد[ةه]|الصحيف[ةه]|القنا[ةه]|[إا]دار[ةه])")
# (pattern on the squashed line, longest line it may remove)
_UI_LINES: tuple[tuple[re.Pattern[str], int], ...] = tuple((re.compile(p, re.IGNORECASE), n) for p, n in (
    (rf"^{_A}قر[أا] {_A}يضا\b", 220),  # «اقرأ أيضاً: <headline>»
    (rf"^(?:{_A}قر[أا]|طالع) (?:المزيد|كذلك|ايضا)\b", 220),
    # «تابعونا على تويتر», «تابعوا آخر الأخبار عبر تطبيق التلغرام»: only with a channel named, since
    # «تابعوا المباراة في الملعب» is a sentence
    (r"^(?:تابعونا|تابعوا|تابعنا|انضموا|انضم الينا|انضم إلينا)\b.{0,60}\b(?:على|عبر|في) .{0,30}"
     r"(?:تويتر|فيسبوك|فيس بوك|انستغرام|إنستغرام|يوتيوب|تلغرام|التلغرام|تيليغرام|واتس ?اب|تطبيق|حساب|صفح|قنا[ةه]"
     r"|موقع|الرابط|سناب|twitter|facebook|telegram)", 200),
    (r"^(?:تابعونا|تابعوا|تابعنا)$", 20),
    (r"^(?:الوسوم|وسوم|كلمات دالة|كلمات مفتاحية|الكلمات المفتاحية|الكلمات الدلالية|الكلمات الدالة|tags)\s*[:：]", 300),
    (r"جميع الحقوق محفوظة|(?:^|\s)©|حقوق النشر محفوظة|all rights reserved", 160),
    (r"^\(?(?:تصوير|تصوير فوتوغرافي|الصورة|صورة من|مصدر الصورة|عدسة|photo|credit)\s*[:：\-–]", 120),
    (r"^\(?(?:صور[ةه] )?(?:ارشيفي[ةه]|أرشيفي[ةه]|تعبيري[ةه]|من الأرشيف)\)?(?: ?\(.{1,30}\))?$", 60),
    (r"^\(?صور[ةه] (?:ارشيفي[ةه]|أرشيفي[ةه]|تعبيري[ةه]|من الأرشيف)\b", 80),
    (r"^(?:عدد القراءات|عدد المشاهدات|المشاهدات|مشاهدات|قراءة|القراءات)\s*[:：]?\s*[\d٠-٩,٬.]+$", 40),
    (r"^[\d٠-٩,٬.]+ (?:مشاهد[ةه]|قراء[ةه]|تعليق)$", 30),
    (r"^(?:شارك|مشارك[ةه]|انشر)(?: هذا| الخبر| المقال| المقالة| الموضوع| على| عبر)*\s*[:：]?$", 30),
    (r"^(?:اشترك|اشتركوا|سجل|سجلوا)(?: الآن)? (?:في|ب|بـ) ?(?:ال)?(?:نشر[ةه]|نشرتنا|القائم[ةه] البريدي[ةه])", 120),
    (r"^(?:ال)?رئيسي[ةه] ?[>»›/|\-] ?", 100),  # breadcrumb
    (r"^(?:التعليقات|تعليقات|تعليقات القراء)(?: \(\d+\))?$", 30),
    # a cookie or privacy consent notice: cookies named together with the reader's own consent or use
    # (a story about cookies names neither «you» nor «we»)
    (r"(?:ملفات (?:تعريف )?الارتباط|الكوكيز|الكوكي|cookies?)\b.{0,200}(?:باستمرار|بمواصل|باستخدامك|تصفحك|توافق على"
     r"|موافقتك|you agree|by continuing)|(?:حدثنا|نستخدم|we use|we updated).{0,120}(?:ملفات (?:تعريف )?الارتباط|الكوكيز"
     r"|cookies?)", 400),
    # a comment policy: «ترحب شبكة … بالنقاش الحيوي…», «يرجى الالتزام بآداب الحوار…», and the disclaimer
    # «الآراء الواردة أدناه لا تعبر عن رأي الموقع» (the site's own view, not a government's)
    (r"^(?:ترحب|يرحب|نرحب)\b.{0,60}\bب?(?:النقاش|الحوار|التعليقات|تعليقاتكم|مشاركاتكم)\b.{0,120}"
     r"(?:حذف|تحتفظ|يحتفظ|نحتفظ|المسيئ|الالتزام|قواعد|شروط)", 300),
    (r"^(?:يرجى|نرجو|الرجاء) (?:الالتزام|مراعا[ةه]) ب?(?:آداب|اداب|قواعد) (?:الحوار|النقاش|التعليق)", 300),
    (rf"(?:أدناه|التعليقات|المعلقين|أصحابها).{{0,80}}{_NOT_OUR_VIEW}"
     rf"|{_NOT_OUR_VIEW}.{{0,60}}(?:أصحابها|كاتبيها|المعلقين)", 250),
    # caption labels a React page prints before a credit or a caption, and its byline list's labels
    (r"^(?:صدر الصور[ةه]|مصدر الصور[ةه]|التعليق على الصور[ةه])\s*[،,:：]", 200),
    (r"^-?\s*(?:author|role|الكاتب|المنصب)\s*[,،]", 120),
))
_SEPARATED = re.compile(r"\s*[|•·]\s*")
_SENTENCE_END = re.compile(r"[.!؟?:»\"”)]$")


def tidy(text: str) -> str:
    """Whitespace collapsed, edges stripped; the letters (tashkeel included) left as written.
    (``str.split`` breaks on the same characters as the regex ``\\s`` and is three times faster.)"""
    return " ".join(text.split())


def squash(text: str) -> str:
    """Comparable form of a line: tashkeel/tatweel gone too. Only for matching, never for output."""
    return tidy(strip_tashkeel(text))


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    r"""Phrase as a regex: any run of whitespace between words, and no word character just before it,
    so «عنب بلدي» does not match inside «لعنب بلدي» (a glued «.صحيفة الوطن» still does). The check
    comes after the first word, ``word(?<!\wword)`` rather than ``(?<!\w)word``, so the pattern starts
    with letters and ``re`` finds candidates with its fast literal scan instead of trying every
    position of every line."""
    words = squash(phrase).split(" ")
    first = re.escape(words[0])
    return re.compile(first + rf"(?<!\w{first})" + "".join(r"\s+" + re.escape(w) for w in words[1:]))


def is_ui_line(line: str) -> bool:
    """A line whose shape says it is theme chrome, whatever the site (see ``_UI_LINES``)."""
    return _is_ui_flat(squash(line))


def _is_ui_flat(flat: str) -> bool:
    """``is_ui_line`` of a line already squashed."""
    if any(len(flat) <= limit and rx.search(flat) for rx, limit in _UI_LINES):
        return True
    return _is_link_row(flat)


def _is_link_row(flat: str) -> bool:
    """«طباعة الخبر | أرسل الخبر لصديق | عودة»: several short items separated by bars, no sentence."""
    parts = [p for p in _SEPARATED.split(flat) if p]
    if len(parts) < 2 or len(flat) > 120 or not re.search(r"\s[|•·]\s|^[|•·]|[|•·]$", flat):
        return False
    return all(len(p.split()) <= 4 and not _SENTENCE_END.search(p) for p in parts)


# --- bylines, datelines and sign-offs ----------------------------------------------------------------
_BYLINE = re.compile(r"^\|\s*\S")
# «كتب: ...», «بقلم ...»; the nouns («إعداد», «تحرير» ...) only with a colon or dash after them, since
# a first sentence may start with them
_AUTHOR_LINE = re.compile(
    r"^(?:(?:كتب|كتبت|بقلم)\s*[:：\-–—]?|(?:إعداد|اعداد|تقرير|تحرير|حوار|متابعة|ترجمة)\s*[:：\-–—])"
    r"\s*(?P<name>[^|:،,.«»\"]{3,60}?)(?:\s*[-–—|،,]\s*(?P<place>[^|:،,.]{2,25}))?$"
)
_DATELINE_CREDIT = re.compile(r"^[\w\s]{2,25}?\s*[-–—/]\s*\(?[\w\s.]{2,20}\)?\s*[:：]?$")
_SOURCE_LINE = re.compile(r"^(?:المصدر|مصدر الخبر|نقلا عن|نقلاً عن)\s*[:：\-–]\s*\S.{0,50}$")
_WORD = re.compile(r"\w+")


# A credit's label before the name, as bylines print it: «بواسطة سارة القحطاني», «Author, ...» (the
# visually hidden labels of a React byline list); a list item labelled as a role credits nobody.
_NAME_LABEL = re.compile(r"^(?:author|by|written by|الكاتب|الكاتبة|بواسطة|بقلم)(?:\s*[,،:：\-–—]\s*|\s+)",
                         re.IGNORECASE)
_ROLE_LABEL = re.compile(r"^(?:role|job title|المنصب|الوظيفة|الصفة)\s*[,،:：]", re.IGNORECASE)


def credited_name(text: str) -> str:
    """The name in a byline element's text, its label («بواسطة», «Author,») taken off; "" for a role."""
    text = tidy(text)
    return "" if _ROLE_LABEL.match(text) else _NAME_LABEL.sub("", text, count=1)


def author_from_line(line: str) -> str:
    """«كتب: سارة القحطاني», «كتب - خالد السبيعي», «بقلم: محمد الغامدي - الرياض» → the name, else ""."""
    m = _AUTHOR_LINE.match(tidy(line))
    if not m or len(line) > 80 or not 1 <= len(m.group("name").split()) <= 4:
        return ""
    return tidy(m.group("name"))


def _is_signoff(line: str) -> bool:
    """DW-style editor initials and agency tag closing a story: «ع.ج/ ح.ز (د.ب.أ)», «ف.ي/ ع.ش (رويترز)»,
    or the agency alone «(أ ف ب)»."""
    if len(line) > 50:
        return False
    if re.fullmatch(r"\(\s*[^()]{1,20}\s*\)", line):
        return True
    if not any(ch in line for ch in "./"):
        return False
    bare = re.sub(r"\([^)]*\)", " ", line)
    words = _WORD.findall(bare)
    return bool(words) and all(len(w) <= 2 for w in words)


def _is_editor_name(line: str) -> bool:
    """SANA-style closing line: the editor's name alone («رشا محفوض»), two or three words, no
    punctuation or digits — a story's last sentence is longer and ends with a full stop."""
    flat = squash(line)
    return len(flat) <= 30 and 1 <= len(flat.split()) <= 3 and not re.search(r"[\d.!؟?:،,«»\"()]", flat)


def _is_byline(line: str) -> bool:
    """Jannah-style bylines start with a bar: «| الوطن – وكالات»."""
    return bool(_BYLINE.match(line)) and len(line) < 80


def _is_dateline_credit(line: str, is_credit: Callable[[str], bool] | None) -> bool:
    """«دمشق-سانا», «الرياض - واس»: a place and an agency on a line of their own."""
    return (len(line) <= 45 and bool(_DATELINE_CREDIT.match(squash(line)))
            and is_credit is not None and is_credit(line))


def bylines(text: str) -> list[str]:
    """Byline and credit lines near the top of raw extracted text (before cleaning), for credit and
    author parsing."""
    out = []
    for raw in text.splitlines()[:8]:
        line = tidy(raw)
        if _is_byline(line) or author_from_line(line) or (len(line) <= 45 and _DATELINE_CREDIT.match(squash(line))):
            out.append(line)
    return out


def clean_lines(
    text: str,
    line_phrases: Iterable[str] = (),
    trailers: Iterable[str] = (),
    drop_leading: Iterable[str] = (),
    is_dateline: Callable[[str], bool] | None = None,
    is_credit: Callable[[str], bool] | None = None,
    drop: Callable[[str], bool] | None = None,
) -> list[str]:
    """The story's lines without boilerplate lines and trailers; ``drop_leading`` lines (title,
    section label), bylines and short datelines («السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م | المصدر: ...») only
    where they open the text; an editors' sign-off («ع.ج/ ح.ز (د.ب.أ)») only where it closes it.
    ``drop`` removes more lines wherever they stand (the learned site boilerplate) before the
    positional rules run, so a source line or sign-off that only becomes the last line once a
    learned footer is gone still goes. One list of lines is what the boilerplate learner counts."""
    line_phrases = list(line_phrases)
    phrases = {squash(p) for p in (*GLOBAL_LINE_BOILERPLATE, *line_phrases) if p.strip()}
    # Lines keep their tashkeel; phrases are matched on the squashed form, so trailers are only cut
    # from lines that carry none (theme labels and trailers are written bare).
    trailer_res = [_phrase_re(t) for t in sorted({*GLOBAL_TRAILERS, *trailers}, key=len, reverse=True) if t]
    site_trailers = [_phrase_re(p) for p in line_phrases if p.strip()]
    lines = []
    for raw in text.splitlines():
        line = tidy(raw)
        for rx in trailer_res:
            line = rx.sub("", line).strip()
        if not line:
            continue
        flat = squash(line)
        if flat in phrases or _COPYRIGHT.match(line) or _is_ui_flat(flat):
            continue
        if drop is not None and drop(line):
            continue
        lines.append(line)
    leading = {squash(x) for x in drop_leading if x and x.strip()}
    while lines and (squash(lines[0]) in leading or _is_byline(lines[0]) or author_from_line(lines[0])
                     or _is_dateline_credit(lines[0], is_credit)
                     or (is_dateline is not None and len(lines[0]) <= 90 and is_dateline(lines[0]))):
        lines.pop(0)
    # A site phrase glued to the end of the last line («... الهرب من خلال المدنيين.صحيفة الوطن»).
    while lines:
        last = lines[-1]
        for rx in site_trailers:
            matches = list(rx.finditer(last))
            m = matches[-1] if matches else None
            if m and m.end() == len(last):
                last = last[: m.start()].rstrip()
        if last == lines[-1]:
            break
        if last:
            lines[-1] = last
        else:
            lines.pop()
    while len(lines) > 1 and (_is_signoff(lines[-1]) or _SOURCE_LINE.match(squash(lines[-1]))
                              or _is_editor_name(lines[-1])):
        lines.pop()
    return lines


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " » ", " · ")
_DW_STAMP = re.compile(r"\s+[–—-]\s+DW\s+[–—-]\s+\d{1,2}\.\d{1,2}\.\d{4}$")


def strip_title_suffix(title: str, suffixes: Iterable[str] = (), site_names: Iterable[str] = ()) -> str:
    """Title without the site name that pages append or prepend («... - صحيفة الوطن», «... | DW عربية»,
    «جريدة الأفق :: ...») or DW's «… – DW – 10.06.2017»."""
    title = _DW_STAMP.sub("", tidy(title))
    for suffix in sorted((s for s in suffixes if s), key=len, reverse=True):
        s = tidy(suffix)
        if title.endswith(s) and len(title) > len(s):
            return title[: -len(s)].strip(" -|–—")
    names = {squash(n) for n in site_names if n}

    def is_site(part: str) -> bool:
        part = squash(part)
        return part in names or any(n and (n in part or part in n) for n in names if len(part) >= 2)

    for sep in _TITLE_SEPARATORS:
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if is_site(tail):
                return head.strip()
            first, _, rest = title.partition(sep)
            if is_site(first):
                return rest.strip()
    return title
