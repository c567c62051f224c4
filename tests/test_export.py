"""Exports over the session crawl of the sample sites: the WACZ (judged by py-wacz's own
``wacz validate`` and replayed by pywb), the research exports (CSV and JSONL read back and compared
with the index), the web page's download links, and a 10,000-article export in constant memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from akhbar.export import COLUMNS, LIST_SEPARATOR, csv_lines, export_lines
from akhbar.web import create_app
from core.archive import find_captures, replay
from index.backends import BackendConfig, open_backend
from index.base import SearchQuery
from index.embedded import EmbeddedBackend
from tests.backend_contract import art
from tests.conftest import akhbar
from tests.test_pywb import wayback_server

pytestmark = pytest.mark.slow

QUERY = "مفاوضات الرقة"
LOCAL = "http://127.0.0.1"


def _backend(crawl):
    config = BackendConfig.from_settings(os.environ)
    return open_backend(config.name, crawl.data, es=config.es)


def _scan(crawl, **kw) -> list[dict]:
    backend = _backend(crawl)
    try:
        return list(backend.scan(SearchQuery(**kw)))
    finally:
        backend.close()


def _wacz_validate(path: Path) -> subprocess.CompletedProcess:
    """The real ``wacz validate`` command of py-wacz, installed beside this Python."""
    exe = Path(sys.executable).with_name("wacz")
    return subprocess.run([str(exe), "validate", "-f", str(path)], capture_output=True, text=True, check=False)


def _records(data: bytes) -> list[tuple[str, str, str, str]]:
    """(type, target URI, record id, concurrent-to) of every record of a WARC file's bytes."""
    return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI") or "", r.rec_headers.get_header("WARC-Record-ID"),
             r.rec_headers.get_header("WARC-Concurrent-To") or "") for r in ArchiveIterator(io.BytesIO(data))]


def _pages(z: zipfile.ZipFile) -> tuple[dict, list[dict]]:
    lines = z.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


@pytest.fixture(scope="module")
def crawled(crawl):
    assert crawl.proc.returncode == 0, crawl.proc.stderr[-3000:]
    return crawl


@pytest.fixture(scope="module")
def filtered_wacz(crawled, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "seeds.wacz"
    akhbar("export", "wacz", str(out), "--query", QUERY, "--source", "sample-dw", "--source", "sample-watan",
           data=crawled.data)
    return out


# -- WACZ -----------------------------------------------------------------------------------------


def test_the_whole_archive_as_a_wacz_passes_wacz_validate(crawled, tmp_path):
    out = tmp_path / "all.wacz"
    akhbar("export", "wacz", str(out), data=crawled.data)
    check = _wacz_validate(out)
    assert check.returncode == 0 and "is valid" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        warcs = sorted(crawled.data.warc.glob("*.warc.gz"))
        # every WARC file whole, byte for byte, stored (not deflated: replay tools seek into them)
        for path in warcs:
            assert z.read(f"archive/{path.name}") == path.read_bytes()
            assert z.getinfo(f"archive/{path.name}").compress_type == zipfile.ZIP_STORED
        assert len([n for n in names if n.startswith("archive/")]) == len(warcs)
        assert {"datapackage.json", "datapackage-digest.json", "indexes/index.cdx.gz", "indexes/index.idx",
                "pages/pages.jsonl"} <= set(names)
        package = json.loads(z.read("datapackage.json"))
        header, pages = _pages(z)
    assert package["wacz_version"] == "1.1.1"
    assert all(r["hash"].startswith("sha256:") for r in package["resources"])
    assert header["format"] == "json-pages-1.0" and header["hasText"] is True
    indexed = {a["url"]: a for a in _scan(crawled)}
    assert {p["url"] for p in pages} == set(indexed)
    for page in pages:
        a = indexed[page["url"]]
        assert (page["title"], page["text"], page["ts"]) == (a["title"], a["text"], a["fetched"])
    assert any("الرقة" in p["text"] for p in pages)


def test_a_filtered_wacz_holds_the_matching_articles_captures_and_nothing_else(crawled, filtered_wacz):
    check = _wacz_validate(filtered_wacz)
    assert check.returncode == 0 and "is valid" in check.stdout, check.stdout + check.stderr
    chosen = _scan(crawled, text=QUERY, sources=["sample-dw", "sample-watan"])
    assert chosen and len(chosen) < len(_scan(crawled))
    with zipfile.ZipFile(filtered_wacz) as z:
        records = [r for n in z.namelist() if n.startswith("archive/") for r in _records(z.read(n))]
        _, pages = _pages(z)
    assert sorted(p["url"] for p in pages) == sorted(a["url"] for a in chosen)
    urls = {a["url"] for a in chosen}
    captures = [r for r in records if r[0] in ("response", "revisit")]
    requests = [r for r in records if r[0] == "request"]
    assert {r[1] for r in captures} == urls  # the chosen articles' captures, and no other page
    assert sorted(r[1] for r in captures) == sorted(c.url for u in urls for c in find_captures(u, crawled.data))
    # each response with the request that fetched it
    assert sorted(r[3] for r in requests) == sorted(r[2] for r in captures if r[0] == "response")
    assert {r[0] for r in records} <= {"warcinfo", "response", "revisit", "request"}


def test_pywb_replays_the_warcs_inside_the_wacz(crawled, filtered_wacz, tmp_path):
    """The WACZ's own WARCs and CDXJ index (unzipped, the index inflated) under pywb's ``wayback``:
    an article's identity replay is byte for byte what the archive holds."""
    archive, index = tmp_path / "archive", tmp_path / "indexes"
    archive.mkdir()
    index.mkdir()
    with zipfile.ZipFile(filtered_wacz) as z:
        for name in z.namelist():
            if name.startswith("archive/"):
                (archive / Path(name).name).write_bytes(z.read(name))
        (index / "index.cdxj").write_bytes(gzip.decompress(z.read("indexes/index.cdx.gz")))
        _, pages = _pages(z)
    with wayback_server(tmp_path, index, archive) as wayback:
        for page in pages:
            ours = replay(page["url"], crawled.data)
            status, raw = wayback.get(f"/akhbar/{ours.capture.timestamp}id_/{page['url']}")
            assert status == 200, page["url"]
            assert raw in (ours.raw, ours.body), f"pywb's replay from the WACZ differs from the archive: {page['url']}"


def test_wacz_export_errors_are_one_line(crawled, tmp_path):
    proc = akhbar("export", "wacz", str(tmp_path / "x.wacz"), "--query", "كلمةلاتوجدفيأيمقال", data=crawled.data,
                  check=False)
    assert proc.returncode == 2 and b"no archived article matches" in proc.stderr
    assert b"Traceback" not in proc.stderr and not (tmp_path / "x.wacz").exists()
    proc = akhbar("export", "wacz", str(tmp_path / "y.wacz"), "--since", "garbage", data=crawled.data, check=False)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


# -- CSV and JSONL ----------------------------------------------------------------------------------


def test_jsonl_export_round_trips_every_article_record(crawled, tmp_path):
    out = tmp_path / "all.jsonl"
    akhbar("export", "jsonl", "-o", str(out), data=crawled.data)
    text = out.read_text(encoding="utf-8")
    assert "الرقة" in text  # Arabic as is, not \u escapes
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows == _scan(crawled)
    assert len(rows) == len({r["canonical_url"] or r["url"] for r in rows})  # one row per article, every copy
    filtered = akhbar("export", "jsonl", QUERY, "--source", "sample-dw", data=crawled.data).stdout  # stdout
    assert [json.loads(line) for line in filtered.decode("utf-8").splitlines()] == \
        _scan(crawled, text=QUERY, sources=["sample-dw"])


def test_csv_export_round_trips_with_arabic_text_and_list_fields(crawled, tmp_path):
    out = tmp_path / "all.csv"
    akhbar("export", "csv", "-o", str(out), data=crawled.data)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    articles = _scan(crawled)
    assert [r["url"] for r in rows] == [a["url"] for a in articles]
    assert list(rows[0]) == list(COLUMNS)
    for row, a in zip(rows, articles, strict=True):
        assert row["title"] == a["title"] and row["text"] == a["text"]  # multi-line Arabic text, quoted
        assert row["authors"] == LIST_SEPARATOR.join(a.get("authors") or [])
        assert row["agencies"] == LIST_SEPARATOR.join(a.get("agencies") or [])
        assert row["warc_file"] == a["warc"]["file"] and int(row["warc_offset"]) == a["warc"]["offset"]
        assert json.loads(row["versions"] or "null") == a.get("versions")
    assert any("\n" in r["text"] and "الرقة" in r["text"] for r in rows)


def test_csv_bom_for_excel(crawled, tmp_path):
    out = tmp_path / "excel.csv"
    akhbar("export", "csv", QUERY, "--bom", "-o", str(out), data=crawled.data)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b"url,")
    assert raw.count(b"\xef\xbb\xbf") == 1
    with open(out, encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(_scan(crawled, text=QUERY))


def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe():
    hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
    articles = [art(n, title, "نص، فيه \"اقتباس\"\nوسطر ثان", authors=["=cmd|' /C calc'!A0", "كاتب"])
                for n, title in enumerate(hostile)]
    articles.append(art(99, "عنوان عادي - بلا خطر", "نص", tags=["سياسة", "سوريا"]))
    rows = list(csv.DictReader(io.StringIO("".join(csv_lines(articles)), newline="")))
    assert [r["title"] for r in rows] == ["'" + t for t in hostile] + ["عنوان عادي - بلا خطر"]
    assert rows[0]["authors"] == "'=cmd|' /C calc'!A0 | كاتب"
    assert rows[0]["text"] == "نص، فيه \"اقتباس\"\nوسطر ثان"  # RFC 4180 quoting round-trips
    assert rows[-1]["tags"] == "سياسة | سوريا"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())


def test_a_bad_date_is_one_line_and_nothing_written(crawled, tmp_path):
    proc = akhbar("export", "csv", "--since", "2017-13-45", "-o", str(tmp_path / "x.csv"), data=crawled.data,
                  check=False)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert b"Traceback" not in proc.stderr and not (tmp_path / "x.csv").exists()


# -- the web page's download links ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(crawled):
    with TestClient(create_app(crawled.data), base_url=LOCAL) as c:
        yield c


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_search_page_download_links_stream_the_clis_export(crawled, client, tmp_path, fmt):
    page = client.get("/", params={"q": QUERY, "source": "sample-dw", "sort": "date"})
    assert page.status_code == 200
    assert "تنزيل النتائج" in page.text
    doc = lxml.html.fromstring(page.text)
    (href,) = [a.get("href") for a in doc.cssselect("p.download a") if a.text == fmt.upper()]
    assert href.startswith(f"/export.{fmt}?")
    got = client.get(href)
    assert got.status_code == 200
    assert got.headers["content-type"] == ("text/csv; charset=utf-8" if fmt == "csv" else
                                           "application/x-ndjson; charset=utf-8")
    assert got.headers["content-disposition"] == f'attachment; filename="akhbar-export.{fmt}"'
    assert got.headers["x-content-type-options"] == "nosniff"
    out = tmp_path / f"cli.{fmt}"
    akhbar("export", fmt, QUERY, "--source", "sample-dw", "-o", str(out), data=crawled.data)
    assert got.content == out.read_bytes()
    assert got.content.count(b"\n") >= 2
    # no query at all: the whole index, like the CLI with no QUERY
    everything = client.get(f"/export.{fmt}")
    assert everything.content == akhbar("export", fmt, data=crawled.data).stdout


def test_a_download_with_a_bad_date_is_a_400_page(client):
    got = client.get("/export.csv", params={"since": "garbage"})
    assert got.status_code == 400 and "text/html" in got.headers["content-type"]


# -- constant memory ------------------------------------------------------------------------------------


def test_a_10000_article_export_runs_in_constant_memory(tmp_path):
    """10,000 articles in an embedded index; the peak of Python allocations while exporting 1,000
    of them and while exporting all 10,000 (to a sink that keeps nothing) is the same within a
    small bound: the export holds a batch, never the result."""
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        backend.upsert(art(n, f"خبر رقم {n}", f"نص الخبر {n} عن المفاوضات في الرقة", authors=["كاتب"],
                           agencies=["سانا"], source="few" if n < 1000 else "many") for n in range(10_000))
        assert backend.count() == 10_000

        def peak(fmt: str, **kw) -> tuple[int, int]:
            rows = 0
            with open(os.devnull, "w", encoding="utf-8") as sink:
                tracemalloc.start()
                try:
                    for line in export_lines(fmt, backend.scan(SearchQuery(**kw))):
                        sink.write(line)
                        rows += 1
                    return rows, tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()

        for fmt in ("csv", "jsonl"):
            few_rows, few = peak(fmt, sources=["few"])
            all_rows, every = peak(fmt)
            header = 1 if fmt == "csv" else 0
            assert (few_rows, all_rows) == (1000 + header, 10_000 + header)
            assert every < few * 1.25 + 256 * 1024, f"{fmt}: peak {every} bytes for 10k rows vs {few} for 1k"
            assert peak(fmt, text="المفاوضات")[0] == 10_000 + header
    finally:
        backend.close()
