"""Arabic boilerplate removal as pure functions over extracted text, so the crawl, ``akhbar extract``,
reindexing and the gold-set harness all clean alike.

Rules are line-based because that is how boilerplate leaks out of trafilatura: a theme label or a
trailer ends up as its own line (or glued to the end of the last one). A phrase is removed where it is
a whole line, or a trailer at the very end of the text; the same words inside a sentence of the story
(«قالت صحيفة الوطن إن ...») are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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
)

# Syndication trailers: removed wherever they stand (they end a line, sometimes glued to it).
GLOBAL_TRAILERS: tuple[str, ...] = (
    "هذا المحتوى من موقع دوتش فيل اضغط هنا لعرض الموضوع بالكامل",
    "اضغط هنا لعرض الموضوع بالكامل",
)

_WS = re.compile(r"\s+")
_TASHKEEL = re.compile("[\u064b-\u065f\u0670\u0640]")
_COPYRIGHT = re.compile(r"^(?:©|جميع الحقوق محفوظة|حقوق النشر|copyright)", re.IGNORECASE)


def tidy(text: str) -> str:
    """Whitespace collapsed, edges stripped; the letters (tashkeel included) left as written."""
    return _WS.sub(" ", text).strip()


def squash(text: str) -> str:
    """Comparable form of a line: tashkeel/tatweel gone too. Only for matching, never for output."""
    return tidy(_TASHKEEL.sub("", text))


def _phrase_re(phrase: str) -> re.Pattern[str]:
    """Phrase as a regex: any run of whitespace between words, and no word character just before it,
    so «عنب بلدي» does not match inside «لعنب بلدي» (a glued «.صحيفة الوطن» still does)."""
    words = [re.escape(w) for w in squash(phrase).split(" ")]
    return re.compile(r"(?<!\w)" + r"\s+".join(words))


def clean_text(
    text: str,
    line_phrases: Iterable[str] = (),
    trailers: Iterable[str] = (),
    drop_leading: Iterable[str] = (),
    is_dateline: Callable[[str], bool] | None = None,
) -> str:
    """Remove boilerplate lines and trailers; ``drop_leading`` lines (title, section label), bylines
    and short datelines («السبت ١٠ حزيران ٢٠١٧ - ١٢:٣٠ م | المصدر: ...») only where they open the
    text; an editors' sign-off («ع.ج/ ح.ز (د.ب.أ)») only where it closes it."""
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
        if not line or squash(line) in phrases or _COPYRIGHT.match(line):
            continue
        lines.append(line)
    leading = {squash(x) for x in drop_leading if x and x.strip()}
    while lines and (squash(lines[0]) in leading or _is_byline(lines[0])
                     or (is_dateline is not None and len(lines[0]) <= 90 and is_dateline(lines[0]))):
        lines.pop(0)
    while lines and _is_signoff(lines[-1]):
        lines.pop()
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
    return "\n".join(lines)


_BYLINE = re.compile(r"^\|\s*\S")
_WORD = re.compile(r"\w+")


def _is_signoff(line: str) -> bool:
    """DW-style editor initials and agency tag closing a story: «ع.ج/ ح.ز (د.ب.أ)», «ف.ي/ ع.ش (رويترز)»."""
    if len(line) > 50 or not any(ch in line for ch in "./"):
        return False
    bare = re.sub(r"\([^)]*\)", " ", line)
    words = _WORD.findall(bare)
    return bool(words) and all(len(w) <= 2 for w in words)


def _is_byline(line: str) -> bool:
    """Jannah-style bylines start with a bar: «| الوطن – وكالات»."""
    return bool(_BYLINE.match(line)) and len(line) < 80


def bylines(text: str) -> list[str]:
    """Byline lines near the top of raw extracted text (before cleaning), for credit parsing."""
    return [tidy(line) for line in text.splitlines()[:6] if _is_byline(tidy(line))]


def strip_title_suffix(title: str, suffixes: Iterable[str] = (), site_names: Iterable[str] = ()) -> str:
    """Title without the site name that pages append («... - صحيفة الوطن», «... | DW عربية»)."""
    title = tidy(title)
    for suffix in sorted((s for s in suffixes if s), key=len, reverse=True):
        s = tidy(suffix)
        if title.endswith(s) and len(title) > len(s):
            return title[: -len(s)].strip(" -|–—")
    names = {squash(n) for n in site_names if n}
    for sep in (" | ", " - ", " – ", " — ", " :: "):
        if sep in title:
            head, _, tail = title.rpartition(sep)
            tail = squash(tail)
            if tail in names or any(n and n in tail for n in names):
                return head.strip()
    return title
