"""Research exports: every article a search matches, as JSON Lines or CSV, streamed.

The rows come from ``SearchBackend.scan`` (batches, never a page cap), one per article — every
outlet's copy of a story is its own row — and are turned into text one at a time, so an export
of a million articles holds one batch and one row, whether it goes to a file (``akhbar export``)
or to a browser (the web search page's download links).

CSV is for spreadsheets, so it is made safe for them: RFC 4180 quoting by the ``csv`` module,
list fields (authors, tags, agencies) joined with `` | ``, the WARC pointer in its own columns,
the versions as a JSON array, and any cell starting with ``= + - @``, a tab or a carriage return
prefixed with an apostrophe (a spreadsheet would otherwise run it as a formula: OWASP's CSV
injection advice). ``bom=True`` puts a UTF-8 byte order mark first, which Excel needs to read the
Arabic as UTF-8 rather than the machine's code page. JSONL is the stored record itself, one JSON
object per line, Arabic as is (``ensure_ascii=False``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from core.record import Article

FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
LIST_SEPARATOR = " | "
BOM = "\ufeff"
# Every field of the article record (core.record.Article) and of its story (index.stories), the WARC
# pointer spread over four columns; a CSV's header must be known before the first row.
LIST_FIELDS = ("authors", "tags", "agencies")
WARC_FIELDS = ("file", "offset", "length", "record_id")
COLUMNS = (
    "url", "canonical_url", "source", "title", "subtitle", "text", "published", "modified", "date_source",
    "text_source", "authors", "section", "tags", "agencies", "original_source", "language", "image", "fetched",
    "content_hash", *(f"warc_{k}" for k in WARC_FIELDS), "live", "removed_since", "redirected_to", "story_id",
    "story_similarity", "versions",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(article: Article) -> list[str]:
    """The article's cells in ``COLUMNS`` order."""
    warc: dict[str, Any] = dict(article.get("warc") or {})
    cells: list[str] = []
    for column in COLUMNS:
        if column.startswith("warc_"):
            value: Any = warc.get(column[5:])
        else:
            value = article.get(column)
        if value is None:
            text = ""
        elif column in LIST_FIELDS and isinstance(value, list):
            text = LIST_SEPARATOR.join(str(v) for v in value)
        elif column == "versions":
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = str(value)
        cells.append(safe_cell(text))
    return cells


def csv_lines(articles: Iterable[Article], bom: bool = False) -> Iterator[str]:
    """The header, then one CSV record per article (CRLF line ends, as RFC 4180 has them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the "excel" dialect: RFC 4180 quoting and CRLF

    def line(cells: list[str]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield (BOM if bom else "") + line(list(COLUMNS))
    for article in articles:
        yield line(csv_row(article))


def jsonl_lines(articles: Iterable[Article]) -> Iterator[str]:
    for article in articles:
        yield json.dumps(article, ensure_ascii=False) + "\n"


def export_lines(fmt: str, articles: Iterable[Article], bom: bool = False) -> Iterator[str]:
    """The export in ``fmt`` (one of ``FORMATS``) as text, line by line."""
    if fmt == "csv":
        return csv_lines(articles, bom=bom)
    if fmt == "jsonl":
        return jsonl_lines(articles)
    raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(FORMATS)}")


def chunks(lines: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    """The lines as UTF-8 in blocks of about ``size`` bytes: a download in few, full writes."""
    parts: list[bytes] = []
    held = 0
    for line in lines:
        data = line.encode("utf-8")
        parts.append(data)
        held += len(data)
        if held >= size:
            yield b"".join(parts)
            parts, held = [], 0
    if parts:
        yield b"".join(parts)


def filename(fmt: str) -> str:
    """What a download is saved as: ``akhbar-export.csv`` (ASCII, so no header encoding is needed)."""
    return f"akhbar-export.{fmt}"
