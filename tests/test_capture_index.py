"""The merged capture index (core/capture_index.py) against the per-WARC CDXJ files it is made of:
the same captures after a real crawl, kept up to date by a second crawl, rebuilt when deleted or
damaged, and filled by several real processes closing WARC files at once."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core import capture_index
from core.archive import find_captures, iter_cdx
from core.capture_index import CaptureIndex, for_cdx
from core.cdxj import scan_lookup, url_key
from core.config import DataDir
from tests.conftest import akhbar
from tests.test_incremental import _crawl_args, _fast

pytestmark = pytest.mark.slow


def _per_file(data: DataDir) -> dict[str, list]:
    """Every URL of the archive with its captures the old way: a binary search in each CDXJ file."""
    return {c.url: scan_lookup(data.cdx, url_key(c.url)) for c in iter_cdx(data.cdx)}


def _assert_same(data: DataDir) -> dict[str, list]:
    expected = _per_file(data)
    assert expected, "the archive has captures"
    for url, captures in expected.items():
        assert find_captures(url, data) == captures, url
    return expected


def _copy(crawl, tmp_path: Path) -> DataDir:
    shutil.copytree(crawl.data.root, tmp_path / "data")
    return DataDir(tmp_path / "data")


def _generation(data: DataDir) -> Path:
    (path,) = data.capture_index.glob("merged-*.sqlite")
    return path


def test_merged_index_gives_exactly_the_per_file_captures(crawl):
    assert crawl.proc.returncode == 0, crawl.proc.stderr[-3000:]
    lines = sum(1 for _ in iter_cdx(crawl.data.cdx))
    cdxj = len(list(crawl.data.cdx.glob("*.cdxj")))
    # the crawl itself merged every CDXJ file it wrote, before anything looked anything up
    assert CaptureIndex(crawl.data.cdx).stats() == (cdxj, lines)
    expected = _assert_same(crawl.data)
    assert sum(map(len, expected.values())) == lines
    assert find_captures(crawl.url("watan", "/no/such/page"), crawl.data) == []


def test_a_second_crawl_is_merged_incrementally(sample_sites, tmp_data):
    akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(), data=tmp_data)
    first = _generation(tmp_data)
    files, lines = CaptureIndex(tmp_data.cdx).stats()
    assert files == len(list(tmp_data.cdx.glob("*.cdxj"))) and lines > 10
    akhbar(*_crawl_args(sample_sites, ("watan",)), *_fast(AKHBAR_REVISIT_AFTER=0), data=tmp_data)
    assert _generation(tmp_data) == first, "the same index took in the new files: no rebuild"
    more_files, more_lines = CaptureIndex(tmp_data.cdx).stats()
    assert more_files == len(list(tmp_data.cdx.glob("*.cdxj"))) > files
    assert more_lines == sum(1 for _ in iter_cdx(tmp_data.cdx)) > lines
    expected = _assert_same(tmp_data)
    assert any(len(caps) >= 2 and any(c.mime == "warc/revisit" for c in caps) for caps in expected.values())


def test_a_deleted_index_is_rebuilt_from_the_cdxj_files(crawl, tmp_path):
    data = _copy(crawl, tmp_path)
    shutil.rmtree(data.capture_index)
    url = next(c.url for c in iter_cdx(data.cdx) if c.mime == "text/html")
    proc = akhbar("captures", url, data=data)  # another process finds no index and builds one
    want = [f"{c.timestamp} {c.status} {c.mime} {c.digest} {c.filename} {c.offset} {c.length}"
            for c in scan_lookup(data.cdx, url_key(url))]
    assert proc.stdout.decode().splitlines() == want
    assert CaptureIndex(data.cdx).stats()[1] == sum(1 for _ in iter_cdx(data.cdx))
    _assert_same(data)


def test_a_cdxj_file_written_behind_the_index_is_found(crawl, tmp_path):
    """A CDXJ the index never heard of (a crawl killed between writing it and merging it, or
    another tool) is taken in by the next lookup, found by the change of cdx/."""
    data = _copy(crawl, tmp_path)
    source = sorted(data.cdx.glob("*.cdxj"))[0]
    key = next(iter(iter_cdx(data.cdx))).urlkey
    url = next(c.url for c in iter_cdx(data.cdx) if c.urlkey == key)
    before = find_captures(url, data)
    line = next(raw for raw in source.read_text().splitlines() if raw.startswith(key + " "))
    extra = line.replace(line.split(" ", 2)[1], "29990101000000", 1)
    (data.cdx / "zz-behind-the-index.cdxj").write_text(extra + "\n")
    after = find_captures(url, data)
    assert after == [*before, after[-1]] and after[-1].timestamp == "29990101000000"
    (data.cdx / "zz-behind-the-index.cdxj").unlink()
    assert find_captures(url, data) == before, "a CDXJ file removed takes its captures with it"


@pytest.mark.parametrize("damage", ["cut short", "overwritten", "not a database"])
def test_a_damaged_index_is_detected_and_rebuilt(crawl, tmp_path, caplog, damage):
    data = _copy(crawl, tmp_path)
    index = CaptureIndex(data.cdx)
    index.sync()
    index.checkpoint()  # everything in the index file itself, no log beside it
    index.close()
    path = _generation(data)
    size = path.stat().st_size
    assert size >= 4 * 4096
    with open(path, "r+b") as fh:
        if damage == "cut short":
            fh.truncate(size // 2)
        elif damage == "overwritten":
            fh.seek(4096)
            fh.write(os.urandom(size - 4096))  # every page but the first
        else:
            fh.write(b"this is not SQLite" * 10)
    with caplog.at_level(logging.ERROR, logger="core.capture_index"):
        _assert_same(data)
    damaged = [r.getMessage() for r in caplog.records if "is damaged" in r.getMessage()]
    assert len(damaged) == 1, caplog.text
    assert "rebuilding it from the CDXJ files" in damaged[0]
    assert not path.exists(), "the damaged generation is gone"
    assert _generation(data) != path


def test_damage_seen_by_the_cli_is_one_log_line_and_the_right_answer(crawl, tmp_path):
    data = _copy(crawl, tmp_path)
    index = CaptureIndex(data.cdx)
    index.sync()
    index.checkpoint()
    index.close()
    path = _generation(data)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 3)
    url = next(c.url for c in iter_cdx(data.cdx) if c.mime == "text/html")
    proc = akhbar("captures", url, data=data)
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if "is damaged" in line] == [line for line in stderr.splitlines()
                                                                               if line.strip()]
    assert len(proc.stdout.decode().splitlines()) == len(scan_lookup(data.cdx, url_key(url)))
    assert akhbar("reindex", "--captures", data=data).stdout.decode().startswith("capture index rebuilt from")


def test_an_unusable_index_falls_back_to_the_cdxj_files(crawl, tmp_path, caplog):
    data = _copy(crawl, tmp_path)
    shutil.rmtree(data.capture_index)
    data.capture_index.write_text("a file where the index directory should be")
    with caplog.at_level(logging.WARNING, logger="core.archive"):
        _assert_same(data)
    assert any("reading the CDXJ files instead" in r.getMessage() for r in caplog.records)


_WRITER = textwrap.dedent("""
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from core.config import DataDir
    from crawler.warc import Exchange, WarcRotatingWriter

    data, name, count, start = DataDir(Path(sys.argv[1])), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    while time.time() < start:
        time.sleep(0.005)
    writer = WarcRotatingWriter(data.warc, name, cdx_directory=data.cdx, max_size=1)  # a file per exchange
    for n in range(count):
        body = f"<html><body>{name} {n}</body></html>".encode()
        writer.write(Exchange(url=f"http://127.0.0.1:9/{name}/{n % 7}", method="GET", request_headers=[],
                              request_body=b"", status=200, response_headers=[("Content-Type", "text/html")],
                              body=body, fetched=datetime.now(UTC)))
    writer.close()
""")


def test_processes_closing_warcs_at_once_lose_nothing(tmp_data):
    """Three crawl-like processes write and close WARC files (each CDXJ merged as it is written)
    while a fourth looks captures up: every capture ends up in the index, merged by its writer."""
    start = time.time() + 1.5
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_data.root), f"w{n}", "25", str(start)],
                                env=env, stderr=subprocess.PIPE) for n in range(3)]
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from core.archive import find_captures
        from pathlib import Path
        from core.config import DataDir
        data = DataDir(Path({str(tmp_data.root)!r}))
        while time.time() < {start}:
            time.sleep(0.005)
        for n in range(300):
            find_captures(f"http://127.0.0.1:9/w{{n % 3}}/{{n % 7}}", data)
    """)], env=env, stderr=subprocess.PIPE)
    for proc in [*writers, reader]:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode()[-3000:]
        assert b"left for the next lookup" not in stderr, stderr.decode()[-3000:]
    lines = sum(1 for _ in iter_cdx(tmp_data.cdx))
    assert lines == 75 and len(list(tmp_data.cdx.glob("*.cdxj"))) == 75
    assert CaptureIndex(tmp_data.cdx).stats() == (75, 75), "every capture is in before any further lookup"
    _assert_same(tmp_data)


def test_a_merge_killed_midway_loses_nothing(tmp_data):
    """SIGKILL while one big CDXJ file is being merged: the transaction never commits (or commits
    whole), and the next lookup takes the file in."""
    key = url_key("http://127.0.0.1:9/big/0")
    blob = '{{"url": "http://127.0.0.1:9/big/0", "mime": "text/html", "status": "200", "digest": "sha1:X", ' \
           '"length": "1", "offset": "{n}", "filename": "big.warc.gz"}}'
    big = tmp_data.cdx / "big.cdxj"
    big.write_text("".join(f"{key} {20200101000000 + n} {blob.format(n=n)}\n" for n in range(200_000)))
    for_cdx(tmp_data.cdx).sync()  # the index exists and has taken in big.cdxj
    for_cdx(tmp_data.cdx).close()
    shutil.rmtree(tmp_data.capture_index)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c",
                             f"from core.capture_index import for_cdx; for_cdx({str(tmp_data.cdx)!r}).sync()"],
                            env=env)
    deadline = time.monotonic() + 60
    while not list(tmp_data.capture_index.glob("merged-*.sqlite-wal")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the merge of 200,000 lines
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(find_captures("http://127.0.0.1:9/big/0", tmp_data)) == 200_000
    assert capture_index.for_cdx(tmp_data.cdx).stats() == (1, 200_000)
