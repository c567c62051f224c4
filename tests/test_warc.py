"""The WARC writer: record pairs, digests over the bytes as sent, rotation, .open files, recovery."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime

from warcio.archiveiterator import ArchiveIterator

from core.archive import find_captures, replay, url_key
from core.config import DataDir
from crawler.warc import Exchange, Revisit, WarcRotatingWriter, payload_digest, recover_open_files
from tests.helpers import warcio_check

HTML = "<html><head><meta charset='utf-8'><title>خبر</title></head><body><p>نص الخبر</p></body></html>".encode()


def _exchange(url: str, body: bytes = HTML, headers: list[tuple[str, str]] | None = None) -> Exchange:
    return Exchange(
        url=url, method="GET", request_headers=[("User-Agent", "akhbar-test"), ("Accept-Encoding", "gzip")],
        request_body=b"", status=200,
        response_headers=headers or [("Content-Type", "text/html; charset=utf-8"),
                                     ("Content-Length", str(len(body)))],
        body=body, ip_address="127.0.0.1", fetched=datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC),
    )


def _data(tmp_path) -> DataDir:
    return DataDir(tmp_path).ensure()


def test_pair_written_checked_and_indexed(tmp_path):
    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "test", cdx_directory=data.cdx)
    pointer = writer.write(_exchange("http://127.0.0.1:9/a/1"))
    assert list(data.warc.glob("*.open")), "a file being written carries the .open suffix"
    final = writer.close()
    assert final and final.name == pointer["file"] and final.name.endswith(".warc.gz")
    assert final.name.startswith("test-") and final.name.split("-")[2] == "00001"
    assert not list(data.warc.glob("*.open"))
    result = warcio_check([final])
    assert result.returncode == 0, result.stdout + result.stderr

    with open(final, "rb") as fh:
        types = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    assert types == [("warcinfo", None), ("response", "http://127.0.0.1:9/a/1"),
                     ("request", "http://127.0.0.1:9/a/1")]
    with open(final, "rb") as fh:
        fh.seek(pointer["offset"])
        rec = next(iter(ArchiveIterator(fh)))
        assert rec.rec_type == "response"
        assert rec.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"]
        assert rec.http_headers.statusline == "200 OK"
        assert rec.content_stream().read() == HTML

    cdx_lines = (data.cdx / (final.name[: -len(".warc.gz")] + ".cdxj")).read_text().splitlines()
    assert len(cdx_lines) == 1
    key, ts, blob = cdx_lines[0].split(" ", 2)
    assert key == url_key("http://127.0.0.1:9/a/1") == "1,0,0,127:9)/a/1"  # SURT, as pywb keys it
    assert ts.startswith("20261121100000")
    assert int(json.loads(blob)["offset"]) == pointer["offset"]
    assert int(json.loads(blob)["length"]) == pointer["length"]


def test_compressed_payload_is_stored_as_sent(tmp_path):
    data = _data(tmp_path)
    sent = gzip.compress(HTML, mtime=0)
    writer = WarcRotatingWriter(data.warc, "gz", cdx_directory=data.cdx)
    writer.write(_exchange("http://127.0.0.1:9/gz", sent, [("Content-Type", "text/html"),
                                                            ("Content-Encoding", "gzip"),
                                                            ("Transfer-Encoding", "chunked")]))
    final = writer.close()
    assert warcio_check([final]).returncode == 0
    rep = replay("http://127.0.0.1:9/gz", data)
    assert rep.raw == sent, "the stored payload is the gzip stream exactly as the server sent it"
    assert rep.body == HTML
    names = [k for k, _ in rep.headers]
    assert "X-Archive-Orig-Transfer-Encoding" in names and "Transfer-Encoding" not in names


def test_rotation_by_size(tmp_path):
    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "rot", cdx_directory=data.cdx, max_size=2000)
    bodies = [os.urandom(900) for _ in range(6)]  # incompressible, so each record is > 900 bytes
    pointers = [writer.write(_exchange(f"http://127.0.0.1:9/r/{i}", b)) for i, b in enumerate(bodies)]
    writer.close()
    files = sorted(data.warc.glob("*.warc.gz"))
    assert len(files) >= 3
    assert len({p["file"] for p in pointers}) == len(files)
    assert warcio_check(files).returncode == 0
    assert len(find_captures("http://127.0.0.1:9/r/5", data)) == 1


def test_unfinished_file_is_repaired(tmp_path):
    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "kill", cdx_directory=data.cdx)
    writer.write(_exchange("http://127.0.0.1:9/k/1"))
    writer.write(_exchange("http://127.0.0.1:9/k/2"))
    writer._fh.flush()
    open_path = next(data.warc.glob("*.open"))
    with open(open_path, "ab") as fh:  # a record cut off mid-write, as after kill -9
        fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 5000\r\n\r\nabc")[:40])
    writer._fh.close()
    assert list(data.cdx.glob("*.cdxj.open")), "the index lines were being kept as records were written"
    recovered = recover_open_files(data.warc, data.cdx, prefix="kill-")
    assert len(recovered) == 1 and recovered[0].name.endswith(".warc.gz")
    assert warcio_check(recovered).returncode == 0
    assert find_captures("http://127.0.0.1:9/k/2", data)
    assert not list(data.cdx.glob("*.cdxj.open")), "the killed writer's lines went with its recovery"
    assert _indexed_by_reading(recovered[0], tmp_path) == (data.cdx / _cdxj_name(recovered[0])).read_text()


def _cdxj_name(warc) -> str:
    return warc.name[: -len(".warc.gz")] + ".cdxj"


def _indexed_by_reading(warc, tmp_path) -> str:
    """The file's CDXJ as cdxj-indexer makes it by reading the WARC (pywb's and wacz's indexer)."""
    from cdxj_indexer.main import CDXJIndexer

    out = tmp_path / ("read-" + _cdxj_name(warc))
    CDXJIndexer(str(out), [str(warc)], sort=True).process_all()
    return out.read_text()


def test_index_kept_while_writing_is_the_one_reading_gives(tmp_path):
    """The CDXJ lines made as records are written (no second read of the file at close) are, byte
    for byte, cdxj-indexer's over the closed file: pages, a redirect, a 404, a gzip-encoded body, a
    body with no Content-Type, a revisit, over a rotation."""
    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "kept", cdx_directory=data.cdx, max_size=4000)
    first = writer.write(_exchange("http://127.0.0.1:9/k/1?b=2&a=1"))
    writer.write(_exchange("http://127.0.0.1:9/old", b"", [("Location", "/k/1"), ("Content-Length", "0")]))
    writer.write(_exchange("http://127.0.0.1:9/gz", gzip.compress(HTML),
                           [("Content-Type", "text/html;charset=utf-8"), ("Content-Encoding", "gzip")]))
    writer.write(_exchange("http://127.0.0.1:9/bare", b"no type", [("Content-Length", "7")]))
    missing = _exchange("http://127.0.0.1:9/missing", b"gone", [("Content-Type", " text/plain ; x=1")])
    missing.status = 404
    writer.write(missing)
    writer.write(_exchange("http://127.0.0.1:9/big", os.urandom(4000)))  # rotates
    writer.write(_exchange("http://127.0.0.1:9/k/1?b=2&a=1"),
                 revisit_of=Revisit("http://127.0.0.1:9/k/1?b=2&a=1", "2026-11-21T10:00:00Z", payload_digest(HTML),
                                    first["record_id"]))
    writer.close()
    files = sorted(data.warc.glob("*.warc.gz"))
    assert len(files) >= 2
    for warc in files:
        assert (data.cdx / _cdxj_name(warc)).read_text() == _indexed_by_reading(warc, tmp_path), warc.name
    assert not list(data.cdx.glob("*.open"))
    assert len(find_captures("http://127.0.0.1:9/k/1?b=2&a=1", data)) == 2


def test_cdxj_binary_search_matches_a_full_scan(tmp_path):
    """lookup_cdxj (seek-based bisection) finds exactly what a linear scan finds, for every key,
    keys that are prefixes of others, and absent keys."""
    from core.archive import iter_cdx, lookup_cdxj

    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "bis", cdx_directory=data.cdx)
    urls = [f"http://127.0.0.1:9/a/{i}" for i in range(40)] + ["http://127.0.0.1:9/a/1/x", "http://127.0.0.1:9/"]
    for rnd in range(3):
        for url in urls[rnd::2]:
            writer.write(_exchange(url))
    writer.close()
    (cdxj,) = data.cdx.glob("*.cdxj")
    everything = list(iter_cdx(data.cdx))
    for url in [*urls, "http://127.0.0.1:9/zzz", "http://127.0.0.1:9/a", "http://0.0.0.0/"]:
        key = url_key(url)
        expected = sorted((c for c in everything if c.urlkey == key), key=lambda c: (c.timestamp, c.offset))
        got = sorted(lookup_cdxj(cdxj, key), key=lambda c: (c.timestamp, c.offset))
        assert got == expected, url
    assert len(find_captures("http://127.0.0.1:9/a/2", data)) == 2


def test_zstd_payload_is_stored_as_sent_and_replayed_decoded(tmp_path):
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd
    data = _data(tmp_path)
    sent = zstd.compress(HTML)
    writer = WarcRotatingWriter(data.warc, "zs", cdx_directory=data.cdx)
    writer.write(_exchange("http://127.0.0.1:9/z", sent, [("Content-Type", "text/html"), ("Content-Encoding", "zstd")]))
    writer.close()
    rep = replay("http://127.0.0.1:9/z", data)
    assert rep.raw == sent and rep.body == HTML
    from core.archive import iter_responses

    assert [r.body for r in iter_responses(data)] == [HTML], "reindex reads the decoded page"


def test_recovery_never_touches_a_longer_source_ids_files(tmp_path):
    """`alwatan` and `alwatan-sy` are different sources: one's recovery must not take the other's file."""
    data = _data(tmp_path)
    other = WarcRotatingWriter(data.warc, "alwatan-sy", cdx_directory=data.cdx)
    other.write(_exchange("http://127.0.0.1:9/sy/1"))  # still open, being written
    assert recover_open_files(data.warc, data.cdx, prefix="alwatan-") == []
    assert len(list(data.warc.glob("alwatan-sy-*.open"))) == 1
    other.write(_exchange("http://127.0.0.1:9/sy/2"))
    assert other.close() is not None
    assert len(find_captures("http://127.0.0.1:9/sy/2", data)) == 1


def test_missing_cdxj_is_rebuilt(tmp_path):
    from crawler.warc import index_missing_cdxj

    data = _data(tmp_path)
    writer = WarcRotatingWriter(data.warc, "cx", cdx_directory=data.cdx)
    writer.write(_exchange("http://127.0.0.1:9/c/1"))
    final = writer.close()
    for cdxj in data.cdx.glob("*.cdxj"):
        cdxj.unlink()  # as if killed between the rename and the index
    assert find_captures("http://127.0.0.1:9/c/1", data) == []
    assert index_missing_cdxj(data.warc, data.cdx, "cx-") == [final]
    assert len(find_captures("http://127.0.0.1:9/c/1", data)) == 1
    assert index_missing_cdxj(data.warc, data.cdx, "cx-") == []


def test_a_crawls_index_is_the_one_reading_gives(crawl, tmp_path):
    """The same on the sample sites' real crawl (their servers' own headers, redirects, 404s)."""
    files = sorted(crawl.data.warc.glob("*.warc.gz"))
    assert files
    for warc in files:
        assert (crawl.data.cdx / _cdxj_name(warc)).read_text() == _indexed_by_reading(warc, tmp_path), warc.name
