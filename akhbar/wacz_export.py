"""``akhbar export wacz``: the archive, or the captures of the articles a search matches, as a WACZ.

A WACZ (Web Archive Collection Zipped, spec 1.1.1) is what ReplayWeb.page and other web-archiving
tools open: the WARC files under ``archive/``, a CDXJ index of them under ``indexes/``, a page list
``pages/pages.jsonl`` and ``datapackage.json`` with every file's SHA-256. webrecorder's own
``wacz`` package (py-wacz) writes the package — the index, the hashes, the digest of the
datapackage — so the result is what its ``wacz validate`` expects; what is ours is the choice of
records and the page list.

* **Records.** With no filter the whole archive goes in: every finished WARC file, byte for byte.
  With filters, the articles come from the search backend (``SearchBackend.scan``: the same query
  and filters as a search, every copy) and their captures from the CDXJ index
  (``core.archive.find_captures``): each capture's response record and the request record that
  went with it (``WARC-Concurrent-To``), copied as they are stored (the same gzip members, so
  digests and payloads are the archive's), into one WARC per source file that begins with a
  ``warcinfo`` of its own saying what was exported. A file all of whose captures were selected
  goes in whole.
* **Pages.** One entry per article: its URL, capture time (``ts``, the WARC-Date of the capture
  it was extracted from), title and the extracted text, so ReplayWeb.page lists the articles and
  searches their text (``"hasText": true`` in the header). The list is written line by line to a
  temporary file and copied into the package as it is (``wacz create --copy-pages``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wacz.main import main as wacz_main
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from core.archive import find_captures
from core.config import DataDir
from core.record import Article
from index.base import SearchBackend, SearchQuery

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Akhbar articles", "hasText": True}
_CAPTURE_TYPES = ("response", "revisit", "resource")


class NothingToExport(LookupError):
    """No article matches, or none of those that match has a capture in the archive."""


class WaczFailed(RuntimeError):
    """py-wacz refused to write the package (its own message says why)."""


@dataclass
class WaczExport:
    path: Path
    articles: int = 0
    records: int = 0  # WARC records of captures (responses and their requests) in the package
    whole: list[str] = field(default_factory=list)  # archive files packaged as they are
    cut: list[str] = field(default_factory=list)  # WARC files made of selected records


def page_entry(article: Article) -> dict:
    """The article as a WACZ page: where and when it was captured, its title and text."""
    return {"url": article.get("url") or article.get("canonical_url") or "", "ts": article.get("fetched") or "",
            "title": article.get("title") or "", "text": article.get("text") or ""}


def export_wacz(backend: SearchBackend, data: DataDir, out: Path, query: SearchQuery, *, filtered: bool,
                description: str = "") -> WaczExport:
    """Write the WACZ to ``out`` (through a ``.part`` file beside it, so a failed export leaves no
    half package). ``filtered``: the query has a text or filter, so only its articles' captures
    go in; otherwise the whole archive. Raises ValueError (a bad date, before anything is written),
    NothingToExport or WaczFailed."""
    out = Path(out)
    articles = backend.scan(query)  # ValueError now, for a bad since/until
    result = WaczExport(out)
    with tempfile.TemporaryDirectory(prefix="akhbar-wacz-") as tmp_name:
        tmp = Path(tmp_name)
        pages = tmp / "pages.jsonl"
        wanted: dict[str, set[int]] = {}  # WARC file -> offsets of the selected capture records
        with pages.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps(PAGES_HEADER) + "\n")
            for article in articles:
                caps = _captures(article, data)
                if filtered and not caps:
                    continue  # indexed but not in this archive (e.g. an index shared by two data dirs)
                result.articles += 1
                fh.write(json.dumps(page_entry(article), ensure_ascii=False) + "\n")
                for cap in caps:
                    wanted.setdefault(cap.filename, set()).add(cap.offset)
        archive = sorted(data.warc.glob("*.warc.gz"))
        if filtered:
            inputs = []
            for path in archive:
                if path.name not in wanted:
                    continue
                cut = tmp / path.name.replace(".warc.gz", "-selected.warc.gz")
                kept, whole = _select(path, wanted[path.name], cut, description)
                result.records += kept
                if whole:
                    cut.unlink()
                    inputs.append(path)
                    result.whole.append(path.name)
                else:
                    inputs.append(cut)
                    result.cut.append(cut.name)
        else:
            inputs = archive
            result.whole = [p.name for p in archive]
            result.records = sum(_count_captures(p) for p in archive)
        if not inputs or (filtered and not result.articles):
            raise NothingToExport("no archived article matches" if filtered else "the archive holds no WARC file")
        part = out.with_name(out.name + ".part")
        try:
            _create(part, inputs, pages, description)
            os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
    return result


def _captures(article: Article, data: DataDir) -> list:
    """The captures of the URL the article was fetched from (not its canonical URL: a syndicated
    copy names the original outlet's page there, which is another article's capture)."""
    url = article.get("url") or ""
    return find_captures(url, data) if url else []


def _select(path: Path, offsets: set[int], out: Path, description: str) -> tuple[int, bool]:
    """Copy the capture records at ``offsets`` of ``path`` and their request records into ``out``
    as stored, after a new ``warcinfo``. Returns (records copied, whether that was every capture of
    the file: then the file itself is packaged instead)."""
    kept_ids: set[str] = set()
    kept = 0
    every = True
    with open(path, "rb") as src, open(path, "rb") as raw, open(out, "wb") as dst:
        writer = WARCWriter(dst, gzip=True, warc_version="WARC/1.1")
        info = {"software": "akhbar export wacz", "format": "WARC File Format 1.1",
                "description": description or "selected captures", "isPartOf": path.name}
        writer.write_record(writer.create_warcinfo_record(out.name, info))
        it = ArchiveIterator(src)
        for record in it:
            rtype = record.rec_type
            rid = record.rec_headers.get_header("WARC-Record-ID") or ""
            concurrent = record.rec_headers.get_header("WARC-Concurrent-To") or ""
            it.read_to_end()
            offset, length = it.get_record_offset(), it.get_record_length()
            if rtype in _CAPTURE_TYPES:
                take = offset in offsets
                every = every and take
            else:
                take = rtype == "request" and concurrent in kept_ids
            if take:
                kept_ids.add(rid)
                raw.seek(offset)
                dst.write(raw.read(length))
                kept += 1
    return kept, every


def _count_captures(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(1 for r in ArchiveIterator(fh) if r.rec_type in (*_CAPTURE_TYPES, "request"))


def _create(out: Path, inputs: Iterable[Path], pages: Path, description: str) -> None:
    """py-wacz's ``wacz create``: it indexes the WARCs, stores them unchanged (ZIP ``stored``), copies
    the page list and writes datapackage.json and its digest. Its progress lines are kept for the
    error message."""
    args = ["create", "-o", str(out), "--pages", str(pages), "--copy-pages", "--title", "Akhbar archive export",
            *(["--desc", description] if description else []), *map(str, inputs)]
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = wacz_main(args)
    if code:
        raise WaczFailed(" ".join(said.getvalue().split())[-500:] or f"wacz create exited {code}")


def validate(path: Path) -> tuple[bool, str]:
    """py-wacz's ``wacz validate`` on a package: (valid, what it said)."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        code = wacz_main(["validate", "-f", str(path)])
    return code == 0, said.getvalue()
