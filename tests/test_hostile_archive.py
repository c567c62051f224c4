"""Hostile input at rest and at the edges (issue 17, rows 1, 3, 4, 11, 13): gzip bombs in the
archive, damaged and cut-short WARC files, dates past the calendar's ends, foreign Host headers and
bad CLI arguments. Everything is real: WARC files written with warcio (by the crawl, or by its
writer), real crawls over 127.0.0.1, the real ``akhbar`` CLI in subprocesses, the web app through
Starlette's TestClient. Memory targets are not asserted here (``python -m tests.hostile_site``
measures them); what is asserted is the behaviour: bounded output and one clear answer.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from akhbar.demo import FAST
from akhbar.web import create_app
from akhbar.web.app import allowed_hosts
from core.archive import (
    DamagedRecord,
    PayloadTooLarge,
    find_captures,
    iter_cdx,
    iter_responses,
    replay,
)
from core.config import DataDir
from core.decoding import MAX_PAYLOAD, decode_content
from index.base import SearchQuery
from index.embedded import EmbeddedBackend
from tests.conftest import akhbar
from tests.hostile_site import BOMB_PATH, GOOD, HostileArchiveSite, MiB, gzip_bomb, write_archive

LOCAL = "http://127.0.0.1"
APP_HEADERS = ("content-security-policy", "x-content-type-options")


def _one_error_line(proc, *needles: str) -> str:
    """The CLI said one line on stderr, no traceback, containing every needle."""
    err = proc.stderr.decode("utf-8")
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _indexed(data: DataDir) -> set[str]:
    with EmbeddedBackend(data.index) as backend:
        return {h.article["url"] for h in backend.search(SearchQuery(per_page=100)).hits}


def _assert_security_headers(resp) -> None:
    for name in APP_HEADERS:
        assert resp.headers.get(name), (resp.status_code, name, dict(resp.headers))


# -- the decoder -----------------------------------------------------------------------------------

def test_the_limit_is_the_crawls():
    from akhbar.crawl import build_settings
    from crawler import settings

    assert MAX_PAYLOAD == settings.DOWNLOAD_MAXSIZE == 20 * MiB
    assert build_settings(DataDir(Path("/nonexistent"))).getint("DOWNLOAD_MAXSIZE") == MAX_PAYLOAD


def _brotli(data: bytes) -> bytes:
    import brotli

    return brotli.compress(data)


def _zstd(data: bytes) -> bytes:
    from backports import zstd

    return zstd.compress(data)


def _raw_deflate(data: bytes) -> bytes:
    co = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return co.compress(data) + co.flush()


PAGE = "<html><body><p>أعلنت وزارة الزراعة السورية بدء موسم القطاف</p></body></html>".encode() * 500
CODINGS = {
    "gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress, "br": _brotli, "zstd": _zstd,
}


@pytest.mark.parametrize("coding", sorted(CODINGS))
def test_decoder_round_trips(coding):
    assert decode_content(CODINGS[coding](PAGE), coding) == PAGE


def test_decoder_handles_what_servers_really_send():
    assert decode_content(_raw_deflate(PAGE), "deflate") == PAGE, "raw deflate, as some servers send"
    assert decode_content(gzip.compress(PAGE) + gzip.compress(b"<p>2</p>"), "gzip") == PAGE + b"<p>2</p>"
    assert decode_content(gzip.compress(_zstd(PAGE)), "zstd, gzip") == PAGE, "codings undone in reverse"
    cut = decode_content(gzip.compress(PAGE)[:-200], "gzip")
    assert cut and PAGE.startswith(cut) and len(cut) < len(PAGE), "a cut stream gives what decoded, as Scrapy"
    assert decode_content(b"<html>plain</html>", "gzip") == b"<html>plain</html>", "mislabelled: kept as is"
    assert decode_content(PAGE, "identity") == PAGE and decode_content(PAGE, "compress") == PAGE


def _bomb(coding: str, size: int) -> bytes:
    if coding == "gzip":
        return gzip_bomb(size)
    if coding == "deflate":
        co = zlib.compressobj(9)
        return b"".join([co.compress(bytes(MiB)) for _ in range(size // MiB)] + [co.flush()])
    return CODINGS[coding](bytes(size))


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_bombs_stop_at_the_limit(coding):
    bomb = _bomb(coding, 64 * MiB)
    assert len(bomb) < MiB
    with pytest.raises(PayloadTooLarge, match="inflates past the 4 MiB limit"):
        decode_content(bomb, coding, limit=4 * MiB)
    assert len(decode_content(bomb, coding, limit=64 * MiB)) == 64 * MiB, "at the limit it still decodes"


# -- an archived 300 MiB gzip bomb (a WARC written by the crawl's writer) ----------------------------

@dataclass
class BombArchive:
    site: HostileArchiveSite
    data: DataDir
    env: dict[str, str]

    def url(self, path: str) -> str:
        return self.site.url(path)


@pytest.fixture(scope="module")
def bomb_archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("bomb")
    with HostileArchiveSite() as site:
        data = DataDir(root / "data").ensure()
        write_archive(data, site, root / "profiles")
        yield BombArchive(site, data, {**os.environ, "AKHBAR_SOURCES": str(root / "profiles")})


def test_replaying_the_bomb_is_refused_but_its_bytes_are_kept(bomb_archive):
    url = bomb_archive.url(BOMB_PATH)
    with pytest.raises(PayloadTooLarge, match="inflates past the 20 MiB limit"):
        replay(url, bomb_archive.data)
    assert replay(url, bomb_archive.data, decode=False).raw == bomb_archive.site.bomb
    good = replay(bomb_archive.url("/a/good-1"), bomb_archive.data)
    assert GOOD["/a/good-1"] in good.body.decode()


def test_cli_replay_of_the_bomb_is_one_error_line(bomb_archive):
    url = bomb_archive.url(BOMB_PATH)
    proc = akhbar("replay", url, data=bomb_archive.data, check=False)
    assert proc.returncode == 1 and proc.stdout == b""
    _one_error_line(proc, "akhbar replay:", url, "inflates past the 20 MiB limit")
    raw = akhbar("replay", url, "--raw", data=bomb_archive.data)
    assert raw.stdout == bomb_archive.site.bomb, "--raw still gives the payload as sent"


def test_web_answers_413_for_the_bomb(bomb_archive):
    url = bomb_archive.url(BOMB_PATH)
    with TestClient(create_app(bomb_archive.data), base_url=LOCAL) as client:
        page = client.get("/archive", params={"url": url})
        assert page.status_code == 413 and "inflates past the 20 MiB limit" in page.text
        assert page.headers["content-security-policy"].startswith("sandbox")
        api = client.get("/api/replay", params={"url": url})
        assert api.status_code == 413 and "20 MiB" in api.json()["detail"]
        _assert_security_headers(api)
        assert client.get("/archive", params={"url": bomb_archive.url("/a/good-2")}).status_code == 200


def test_reindex_never_indexes_the_refused_page(bomb_archive):
    proc = akhbar("reindex", data=bomb_archive.data, env=bomb_archive.env)
    out = proc.stdout.decode()
    assert "too_large=1" in out and "indexed=2" in out, out
    assert bomb_archive.url(BOMB_PATH) in proc.stderr.decode(), "the warning names the page"
    assert _indexed(bomb_archive.data) == {bomb_archive.url(p) for p in GOOD}


def test_iter_responses_reports_each_skip_once(bomb_archive):
    skipped: list[tuple[str, str]] = []
    urls = [r.url for r in iter_responses(bomb_archive.data, skipped=lambda kind, msg: skipped.append((kind, msg)))]
    assert urls == [bomb_archive.url(p) for p in GOOD]
    assert [kind for kind, _ in skipped] == ["too_large"]


# -- the same bomb met by a real crawl, then by the next crawl's catch-up --------------------------

@pytest.mark.slow
def test_crawl_refuses_the_bomb_and_catch_up_never_indexes_it(tmp_path):
    with HostileArchiveSite() as site:
        profiles = tmp_path / "profiles"
        site.profile(profiles)
        data = DataDir(tmp_path / "data").ensure()
        env = {**os.environ, "AKHBAR_SOURCES": str(profiles)}
        fast = [f"--set={k}={v}" for k, v in FAST.items()]
        akhbar("crawl", "hostile", "--no-progress", *fast, data=data, env=env, check=False)
        bomb = site.url(BOMB_PATH)
        assert [c.url for c in iter_cdx(data.cdx) if c.url == bomb], "the bomb is archived as sent"
        assert _indexed(data) == {site.url(p) for p in GOOD}
        # the next crawl's catch-up re-extracts archived articles the index lacks: never this one
        second = akhbar("crawl", "hostile", "--no-progress", *fast, data=data, env=env, check=False)
        assert second.returncode == 0 and "Traceback" not in second.stderr.decode()
        assert _indexed(data) == {site.url(p) for p in GOOD}, "catch-up did not index the refused page"
        with sqlite3.connect(data.fetchlog) as db:
            assert db.execute("SELECT indexed FROM captures WHERE url = ?", (bomb,)).fetchone()[0] != 1


# -- damaged and cut-short WARC files (copies of a real crawl of the sample sites) ------------------

@dataclass
class Damaged:
    data: DataDir
    victim: str  # the article whose record was hit
    neighbour: str  # an article in the same file, after the victim
    lost: set[str]  # articles a reindex cannot get back (the victim, and for a cut file what followed)
    before: set[str]  # articles indexed by the crawl


def _damage(crawl, root: Path, how: str) -> Damaged:
    """Copy the crawl's data, then hit one article record in the middle of the WARC file holding
    the most articles: ``flip`` inverts 20 bytes inside it, ``cut-payload`` and ``cut-header`` end
    the file inside it (after its WARC headers, or 10 bytes into it)."""
    before = _indexed(crawl.data)
    shutil.copytree(crawl.data.root, root, ignore=shutil.ignore_patterns("index.sqlite*"))
    data = DataDir(root)
    caps = [c for c in iter_cdx(data.cdx) if c.url in before and c.status == "200"]
    by_file: dict[str, list] = {}
    for c in sorted(caps, key=lambda c: c.offset):
        by_file.setdefault(c.filename, []).append(c)
    name, records = max(by_file.items(), key=lambda kv: len(kv[1]))
    assert len(records) >= 3, "a file with several articles"
    victim, neighbour = records[len(records) // 2], records[len(records) // 2 + 1]
    path = data.warc / name
    blob = bytearray(path.read_bytes())
    if how == "flip":
        middle = victim.offset + victim.length // 2
        blob[middle:middle + 20] = bytes(b ^ 0xFF for b in blob[middle:middle + 20])
        lost = {victim.url}
    else:
        cut = victim.offset + (int(victim.length * 0.7) if how == "cut-payload" else 10)
        del blob[cut:]
        lost = {c.url for c in records if c.offset >= victim.offset}
    path.write_bytes(bytes(blob))
    assert all(len(find_captures(u, data)) == 1 for u in lost)
    return Damaged(data, victim.url, neighbour.url, lost, before)


@pytest.fixture(scope="module", params=["flip", "cut-payload", "cut-header"])
def damaged(request, crawl, tmp_path_factory) -> Damaged:
    assert crawl.proc.returncode == 0, crawl.proc.stderr[-3000:]
    return _damage(crawl, tmp_path_factory.mktemp(f"damaged-{request.param}") / "data", request.param)


@pytest.mark.slow
def test_reindex_over_a_damaged_file_rebuilds_everything_else(damaged):
    proc = akhbar("reindex", data=damaged.data)
    out = proc.stdout.decode()
    assert "damaged=1" in out, out + proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()
    assert _indexed(damaged.data) == damaged.before - damaged.lost
    assert damaged.before - damaged.lost, "something was left to rebuild"


@pytest.mark.slow
def test_a_damaged_record_is_410_never_a_partial_200(damaged):
    with pytest.raises(DamagedRecord):
        replay(damaged.victim, damaged.data)
    with TestClient(create_app(damaged.data), base_url=LOCAL) as client:
        page = client.get("/archive", params={"url": damaged.victim})
        assert page.status_code == 410 and "cannot be replayed" in page.text
        assert page.headers["content-security-policy"].startswith("sandbox")
        api = client.get("/api/replay", params={"url": damaged.victim})
        assert api.status_code == 410 and api.json()["detail"]
        _assert_security_headers(api)
        if damaged.neighbour not in damaged.lost:
            assert client.get("/api/replay", params={"url": damaged.neighbour}).status_code == 200


@pytest.mark.slow
def test_cli_replay_of_a_damaged_record_is_one_error_line(damaged):
    proc = akhbar("replay", damaged.victim, data=damaged.data, check=False)
    assert proc.returncode == 1 and proc.stdout == b""
    _one_error_line(proc, "akhbar replay:")


# -- every error response carries the security headers, 5xx included -------------------------------

def test_every_error_response_has_the_security_headers(tmp_path):
    data = DataDir(tmp_path / "data").ensure()
    data.index.write_bytes(b"this is not an SQLite database" * 100)  # a damaged index: search cannot run
    app = create_app(data)

    def boom() -> None:  # a bug nobody has found yet: Starlette's own 500
        raise RuntimeError("unexpected")

    app.add_api_route("/boom", boom)
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as client:
        answers = {
            "500": client.get("/boom"),
            "503 page": client.get("/", params={"q": "خبر"}),
            "503 api": client.get("/api/search", params={"q": "خبر"}),
            "503 article": client.get("/api/article", params={"url": "http://127.0.0.1:9/a"}),
            "400": client.get("/api/replay", params={"url": "file:///etc/passwd"}),
            "404": client.get("/api/replay", params={"url": "http://127.0.0.1:9/none"}),
            "422": client.get("/api/search", params={"page": "x"}),
            "host": client.get("/", headers={"Host": "evil.example"}),
        }
    assert answers["500"].status_code == 500 and "unexpected" not in answers["500"].text
    for name in ("503 page", "503 api", "503 article"):
        assert answers[name].status_code == 503 and "DatabaseError" in answers[name].text, name
    assert answers["host"].status_code == 400
    for name, resp in answers.items():
        assert resp.status_code >= 400, name
        _assert_security_headers(resp)
        if "sandbox" not in resp.headers["content-security-policy"]:
            assert resp.headers["x-frame-options"] == "DENY", name


# -- trusted hosts, and no redirect that echoes Host ----------------------------------------------

def test_only_allowed_hosts_are_answered(tmp_path, monkeypatch):
    monkeypatch.delenv("AKHBAR_ALLOWED_HOSTS", raising=False)
    assert allowed_hosts() == ["127.0.0.1", "localhost", "[::1]"]
    monkeypatch.setenv("AKHBAR_ALLOWED_HOSTS", "news.example, ::2")
    assert allowed_hosts(["*.archive.example"]) == ["127.0.0.1", "localhost", "[::1]", "news.example", "[::2]",
                                                    "*.archive.example"]
    data = DataDir(tmp_path / "data").ensure()
    with TestClient(create_app(data), base_url=LOCAL) as client:
        for host in ("127.0.0.1", "127.0.0.1:8080", "localhost:8080", "[::1]:8080", "news.example"):
            assert client.get("/api/search", headers={"Host": host}).status_code == 200, host
        for host in ("evil.example", "127.0.0.1.evil.example", "news.example.evil", "[::3]"):
            assert client.get("/api/search", headers={"Host": host}).status_code == 400, host
    monkeypatch.delenv("AKHBAR_ALLOWED_HOSTS")
    with TestClient(create_app(data, hosts=allowed_hosts(["news.example"])), base_url=LOCAL) as client:
        assert client.get("/api/search", headers={"Host": "news.example"}).status_code == 200


def test_serve_takes_allowed_hosts():
    from akhbar.cli import build_parser

    args = build_parser().parse_args(["serve", "--allowed-host", "a.example", "--allowed-host", "b.example"])
    assert args.allowed_host == ["a.example", "b.example"]


def test_trailing_slash_never_redirects_to_a_foreign_host(tmp_path):
    with TestClient(create_app(DataDir(tmp_path), hosts=["*"]), base_url=LOCAL, follow_redirects=False) as client:
        resp = client.get("/api/search/", headers={"Host": "example.invalid"})
    assert resp.status_code == 404 and "location" not in resp.headers


# -- dates at the calendar's ends ------------------------------------------------------------------

EXTREME_DATES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31", "0001-01-01"]
BAD_DATES = ["garbage", "2017-02-30", "2017-13-01", "١٢-٢٠١٧", "99999-01-01"]


@pytest.mark.parametrize("field", ["since", "until"])
def test_date_filters_never_500(tmp_path, field):
    with TestClient(create_app(DataDir(tmp_path)), base_url=LOCAL) as client:
        for value in EXTREME_DATES:  # clamped (200) or refused (400), as the backend decides
            for path in ("/", "/api/search"):
                assert client.get(path, params={field: value}).status_code in (200, 400), (path, value)
        for value in BAD_DATES:
            for path in ("/", "/api/search"):
                resp = client.get(path, params={field: value})
                assert resp.status_code == 400, (path, value, resp.status_code)
                _assert_security_headers(resp)


def test_cli_date_filters_are_usage_errors(tmp_path):
    data = DataDir(tmp_path / "data").ensure()
    for value in ("garbage", "9999-12-31T23:59:59-14:00"):
        proc = akhbar("search", "خبر", f"--since={value}", data=data, check=False)
        if value == "garbage" or proc.returncode:
            assert proc.returncode == 2, proc.stderr
            _one_error_line(proc, "akhbar search:")


# -- bad CLI input ---------------------------------------------------------------------------------

def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, bomb_archive):
    png = tmp_path / "photo.html"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    url = bomb_archive.url("/a/good-1")
    cases = [
        (("search", "خبر", "--page", "100000000000000000000"), "--page"),
        (("search", "خبر", "--limit", "0"), "--limit"),
        (("extract", "/nonexistent/page.html", "--url", url), "No such file"),
        (("extract", str(tmp_path), "--url", url), "Is a directory"),
        (("extract", str(png), "--url", url), "not HTML"),
        (("extract", str(png), "--url", url, "--source", "no-such-source"), "unknown source"),
        (("replay", url, "--at", "garbage"), "not a capture time"),
        (("replay", url, "--at", "1" * 30), "not a capture time"),
    ]
    for args, needle in cases:
        proc = akhbar(*args, data=bomb_archive.data, env=bomb_archive.env, check=False)
        assert proc.returncode == 2, (args, proc.returncode, proc.stderr)
        _one_error_line(proc, needle)


def test_cli_extract_decodes_a_saved_raw_payload_within_the_limit(tmp_path, bomb_archive):
    saved = tmp_path / "page.gz"
    good = bomb_archive.url("/a/good-1")
    saved.write_bytes(gzip.compress(bomb_archive.site.route("/a/good-1")[1]))
    proc = akhbar("extract", str(saved), "--url", good, "--json", data=bomb_archive.data, env=bomb_archive.env)
    assert json.loads(proc.stdout)["title"] == GOOD["/a/good-1"]
    bomb = tmp_path / "bomb.html"
    bomb.write_bytes(bomb_archive.site.bomb)
    proc = akhbar("extract", str(bomb), "--url", bomb_archive.url(BOMB_PATH), data=bomb_archive.data,
                  env=bomb_archive.env, check=False)
    assert proc.returncode == 2
    _one_error_line(proc, "inflates past the 20 MiB limit")


def test_cli_replay_at_accepts_iso_times(bomb_archive):
    url = bomb_archive.url("/a/good-1")
    for at in ("2026", "2026-05-01T12:00Z", "20260501120000"):
        assert GOOD["/a/good-1"].encode() in akhbar("replay", url, "--at", at, data=bomb_archive.data).stdout


def test_damaged_cdxj_lines_hide_only_themselves(tmp_path, bomb_archive):
    shutil.copytree(bomb_archive.data.root, tmp_path / "data")
    data = DataDir(tmp_path / "data")
    cdxj = next(data.cdx.glob("*.cdxj"))
    good = bomb_archive.url("/a/good-1")
    key = find_captures(good, data)[0].urlkey
    junk = [b"\xff\xfe not utf-8 at all", f"{key} 20260501120000 {{not json".encode(),
            f'{key} 20260501120000 {{"offset": "x", "url": "{good}"}}'.encode(), b"one-field-only"]
    cdxj.write_bytes(b"\n".join(sorted([*junk, *cdxj.read_bytes().splitlines()])) + b"\n")  # still sorted
    assert [c.url for c in find_captures(good, data)] == [good]
    assert len(list(iter_cdx(data.cdx))) == len(list(iter_cdx(bomb_archive.data.cdx)))
    with TestClient(create_app(data), base_url=LOCAL) as client:
        assert [c["url"] for c in client.get("/api/captures", params={"url": good}).json()] == [good]
    assert len(akhbar("captures", good, data=data).stdout.splitlines()) == 1
