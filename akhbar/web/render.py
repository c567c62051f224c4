"""Small presentation helpers for the templates: safe snippets, dates and facet links.

Snippets come from the backend with ``<mark>`` around matches and everything else escaped. We do
not pass that through as trusted markup: the text between marks is unescaped and escaped again by
us, and only the marks we split on are put back, so a backend bug cannot inject HTML.
"""

from __future__ import annotations

import calendar
import html
import re
from datetime import datetime
from urllib.parse import urlencode

from markupsafe import Markup, escape

from akhbar.terminal import counted

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
ARABIC_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
                 "أكتوبر", "نوفمبر", "ديسمبر")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def safe_snippet(snippet: str) -> Markup:
    """Re-escape a backend snippet, keeping only its ``<mark>`` highlights as markup."""
    parts = _MARK.split(snippet or "")
    out = []
    for i, part in enumerate(parts):
        text = escape(html.unescape(part))
        out.append(Markup("<mark>") + text + Markup("</mark>") if i % 2 else text)
    return Markup("").join(out)


def plain_snippet(snippet: str) -> str:
    """The snippet as plain text, marks removed (for the JSON API's ``snippet_text``)."""
    return html.unescape(_MARK.sub(lambda m: m.group(1), snippet or ""))


def month_range(month: str) -> tuple[str, str] | None:
    """``YYYY-MM`` → the first and last day, for the since/until filters; None when malformed."""
    m = _MONTH.match(month or "")
    if not m:
        return None
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1 <= mon <= 12 or not 1 <= year <= 9999:
        return None
    last = calendar.monthrange(year, mon)[1]
    return f"{year:04d}-{mon:02d}-01", f"{year:04d}-{mon:02d}-{last:02d}"


def month_label(month: str) -> str:
    m = _MONTH.match(month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return month
    return f"{ARABIC_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def human_date(value: str | None) -> str:
    """An ISO 8601 date as «10 يونيو 2017، 12:30», keeping the article's own time zone."""
    if not value:
        return ""
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return value
    text = f"{dt.day} {ARABIC_MONTHS[dt.month - 1]} {dt.year}"
    if len(value) > 10:
        text += f"، {dt:%H:%M}"
    return text


STATUS_LABELS = {"alive": "على الموقع", "changed": "عُدِّل بعد نشره", "redirected": "نُقل إلى رابط آخر",
                 "gone": "حُذف من الموقع", "blocked": "محجوب", "error": "تعذّر الوصول إليه", "unknown": "لم يُفحص"}


def versions_label(n: int) -> str:
    """«نسخة واحدة», «نسختان», «3 نسخ», «11 نسخة»."""
    return counted(n, "نسخة واحدة", "نسختان", "نسخ", "نسخة")


def capture_label(timestamp: str) -> str:
    """A 14-digit CDXJ timestamp as «2026-11-22 00:09:32 UTC»."""
    ts = (timestamp or "")[:14].ljust(14, "0")
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]} {ts[8:10]}:{ts[10:12]}:{ts[12:14]} UTC"


def query_string(params: dict[str, object], **changes: object) -> str:
    """The current search parameters with some changed (None removes); page resets unless given."""
    merged = {**params, "page": None, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in (None, "", 1) or k == "q"})


def is_web_url(value: str) -> bool:
    """Only http(s) URLs from crawled data become links (never ``javascript:`` or ``data:``)."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))
