"""Memento (RFC 7089), for real: two crawls of the sample Al-Watan site with its «edit» mode in
between (one article captured twice with different text, one answering 404 the second time, one
redirecting) plus the DW site (gzip, ``?page=N`` pagination), then the TimeMap, the TimeGate and the
mementos over those captures — read by our own parse of the headers and link-format, and by the
Los Alamos ``memento_client`` from PyPI asking the TimeGate over real HTTP and following it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from memento_client import MementoClient

from akhbar.web import create_app
from akhbar.web.memento import http_date
from core.archive import Capture, capture_time, find_captures, iter_cdx, replay
from core.config import DataDir
from tests.test_api_schema import serving
from tests.test_incremental import crawl_with_edits

pytestmark = pytest.mark.slow
LINK_FORMAT = "application/link-format"


@pytest.fixture(scope="module")
def archive(sample_sites, tmp_path_factory):
    """(data, edited paths, Al-Watan's base URL): Al-Watan and DW crawled, Al-Watan edited and
    crawled again with every article re-fetched."""
    data = DataDir(tmp_path_factory.mktemp("memento-data")).ensure()
    # the TimeGate tests ask for moments between two captures of a page: keep them seconds apart
    return data, crawl_with_edits(sample_sites, data, ("watan", "dw"), apart=4), sample_sites.base_urls["watan"]


@pytest.fixture(scope="module")
def client(archive):
    return TestClient(create_app(archive[0]), base_url="http://127.0.0.1")


# -- a small reader of Link headers and link-format (RFC 8288 / RFC 6690) --------------------------
_LINK = re.compile(r'\s*<([^>]*)>((?:\s*;\s*[a-zA-Z]+\s*=\s*"[^"]*")*)\s*(?:,|$)')
_PARAM = re.compile(r';\s*([a-zA-Z]+)\s*=\s*"([^"]*)"')


def parse_links(text: str) -> list[tuple[str, dict[str, str]]]:
    """``[(uri, {param: value})]`` in order; fails on anything that is not a whole list of links."""
    links, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _LINK.match(text, pos)
        assert m and m.end() > pos, f"not link-format at {pos}: {text[pos:pos + 80]!r}"
        links.append((m.group(1), dict(_PARAM.findall(m.group(2)))))
        pos = m.end()
    return links


def with_rel(links: list[tuple[str, dict[str, str]]], rel: str) -> list[tuple[str, dict[str, str]]]:
    return [(uri, p) for uri, p in links if rel in p.get("rel", "").split()]


def _captures(data: DataDir, url: str) -> list[Capture]:
    return find_captures(url, data)


def _when(capture: Capture) -> datetime:
    return capture_time(capture.timestamp)


def _memento_href(capture: Capture, identity: bool = False) -> str:
    return f"/memento/{capture.timestamp[:14]}{'id_' if identity else ''}/{capture.url}"


# -- TimeMap ---------------------------------------------------------------------------------------
def test_the_timemap_lists_every_capture_with_its_datetime(client, archive):
    data, paths, base = archive
    url = base + paths["body"]
    caps = _captures(data, url)
    assert len(caps) == 2 and caps[0].digest != caps[1].digest, "the edited article was captured twice"
    resp = client.get(f"/timemap/link/{url}")
    assert resp.status_code == 200 and resp.headers["content-type"] == LINK_FORMAT
    links = parse_links(resp.text)
    assert with_rel(links, "original") == [(url, {"rel": "original"})]
    [(self_uri, self_params)] = with_rel(links, "self")
    assert self_uri == f"/timemap/link/{url}" and self_params["type"] == LINK_FORMAT
    assert self_params["from"] == http_date(_when(caps[0])) and self_params["until"] == http_date(_when(caps[-1]))
    assert [uri for uri, _ in with_rel(links, "timegate")] == [f"/timegate/{url}"]
    mementos = with_rel(links, "memento")
    assert [(uri, p["datetime"]) for uri, p in mementos] == [(_memento_href(c), http_date(_when(c))) for c in caps]
    assert with_rel(links, "first") == [mementos[0]] and with_rel(links, "last") == [mementos[-1]]
    # the independent reader's parse agrees
    parsed = MementoClient.parse_link_header(resp.text)
    assert sorted(u for u, p in parsed.items() if "memento" in p["rel"]) == sorted(u for u, _ in mementos)
    assert MementoClient.get_uri_dt_for_rel(parsed, ["first"])["first"]["uri"] == mementos[0][0]


def test_a_redirect_capture_is_a_memento_an_error_capture_is_not(client, archive):
    data, paths, base = archive
    gone = base + paths["gone"]
    statuses = [c.status for c in _captures(data, gone)]
    assert statuses == ["200", "404"]
    listed = with_rel(parse_links(client.get(f"/timemap/link/{gone}").text), "memento")
    assert len(listed) == 1 and with_rel(listed, "first") == with_rel(listed, "last") == listed
    moved = base + paths["redirected"]
    caps = _captures(data, moved)
    assert [c.status for c in caps] == ["200", "301"]
    listed = with_rel(parse_links(client.get(f"/timemap/link/{moved}").text), "memento")
    assert [uri for uri, _ in listed] == [_memento_href(c) for c in caps]
    # the redirect memento replays as a redirect to the target's memento at the same time
    resp = client.get(_memento_href(caps[-1]), follow_redirects=False)
    assert resp.status_code == 301
    assert resp.headers["location"] == f"/memento/{caps[-1].timestamp[:14]}/{base + paths['redirect_target']}"
    landed = client.get(resp.headers["location"])
    assert landed.status_code == 200 and "memento-datetime" in landed.headers


def test_a_revisit_is_a_memento_of_the_page_it_repeats(client, archive):
    data, _, base = archive
    revisited = next(c for c in iter_cdx(data.cdx)
                     if c.mime == "warc/revisit" and c.url.startswith(base + "/archives/"))
    listed = with_rel(parse_links(client.get(f"/timemap/link/{revisited.url}").text), "memento")
    assert _memento_href(revisited) in [uri for uri, _ in listed]
    resp = client.get(_memento_href(revisited, identity=True))
    assert resp.status_code == 200 and resp.content == replay(revisited.url, data, at=revisited.timestamp).body


def test_unknown_and_bad_urls(client, archive):
    base = archive[2]
    for path in ("/timemap/link/", "/timegate/", "/memento/20260101000000/"):
        missing = client.get(f"{path}{base}/archives/no-such-page", follow_redirects=False)
        assert missing.status_code == 404 and missing.text.startswith(("no memento", "not in")), path
        for bad in ("file:///etc/passwd", "not a url", ""):
            resp = client.get(f"{path}{bad}", follow_redirects=False)
            assert resp.status_code == 400 and resp.text[-1] == "\n" and resp.text.count("\n") == 1, (path, bad)


# -- TimeGate --------------------------------------------------------------------------------------
def _gate(client, url: str, accept: str | None = None):
    headers = {"Accept-Datetime": accept} if accept is not None else {}
    return client.get(f"/timegate/{url}", headers=headers, follow_redirects=False)


def test_the_timegate_redirects_to_the_closest_memento(client, archive):
    data, paths, base = archive
    url = base + paths["body"]
    first, last = _captures(data, url)
    t1, t2 = _when(first), _when(last)
    assert (t2 - t1).total_seconds() >= 3, "two crawls, seconds apart"
    cases = {
        http_date(t1 + timedelta(seconds=1)): first,  # between, nearer the first
        http_date(t2 - timedelta(seconds=1)): last,  # between, nearer the second
        http_date(t1 - timedelta(days=400)): first,  # before the first
        http_date(t2 + timedelta(days=400)): last,  # after the last
        None: last,  # no Accept-Datetime: the latest
    }
    for accept, expected in cases.items():
        resp = _gate(client, url, accept)
        assert resp.status_code == 302, (accept, resp.text)
        assert resp.headers["location"] == _memento_href(expected), accept
        assert resp.headers["vary"].lower() == "accept-datetime"
        links = parse_links(resp.headers["link"])
        assert [u for u, _ in with_rel(links, "original")] == [url]
        assert [(u, p["type"]) for u, p in with_rel(links, "timemap")] == [(f"/timemap/link/{url}", LINK_FORMAT)]
        chosen = [p for u, p in with_rel(links, "memento") if u == _memento_href(expected)]
        assert chosen and chosen[0]["datetime"] == http_date(_when(expected))
        assert "memento-datetime" not in resp.headers, "a TimeGate is not a memento"


def test_a_malformed_accept_datetime_is_a_400(client, archive):
    _, paths, base = archive
    url = base + paths["body"]
    for bad in ("yesterday", "2026-12-01T23:05:04Z", "Tue, 32 Dec 2026 23:05:04 GMT", "Tue, 01 Dec 2026 25:05:04 GMT",
                "Tue, 01 Dec 2026 23:05:04 +0100", "Tue, 01 Foo 2026 23:05:04 GMT", ""):
        resp = _gate(client, url, bad)
        assert resp.status_code == 400, bad
        assert resp.text.startswith("Accept-Datetime") and resp.text.count("\n") == 1, bad


def test_the_url_may_carry_its_own_query_and_be_percent_encoded(client, archive):
    data = archive[0]
    paged = next(c for c in iter_cdx(data.cdx) if "?" in c.url and c.status == "200")
    resp = client.get(f"/timegate/{paged.url}", follow_redirects=False)  # ?page=N is the request's query
    assert resp.status_code == 302 and resp.headers["location"] == _memento_href(paged), resp.text
    encoded = client.get(f"/timegate/{quote(paged.url, safe='')}", follow_redirects=False)
    assert encoded.headers["location"] == resp.headers["location"]
    merged = client.get("/timegate/" + paged.url.replace("://", ":/", 1), follow_redirects=False)
    assert merged.headers["location"] == resp.headers["location"]
    body = client.get(resp.headers["location"].replace(f"/{paged.timestamp[:14]}/", f"/{paged.timestamp[:14]}id_/"))
    assert body.status_code == 200 and body.content == replay(paged.url, data, at=paged.timestamp).body


# -- Mementos --------------------------------------------------------------------------------------
def _assert_memento_headers(resp, capture: Capture) -> None:
    assert resp.headers["memento-datetime"] == http_date(_when(capture))
    links = parse_links(resp.headers["link"])
    assert [u for u, _ in with_rel(links, "original")] == [capture.url]
    assert [u for u, _ in with_rel(links, "timegate")] == [f"/timegate/{capture.url}"]
    assert [u for u, _ in with_rel(links, "timemap")] == [f"/timemap/link/{capture.url}"]
    assert resp.headers["content-security-policy"].startswith("sandbox"), "served like /archive, sandboxed"


def test_a_memento_is_the_archived_response_with_its_datetime(client, archive):
    data, paths, base = archive
    url = base + paths["body"]
    first, last = _captures(data, url)
    for capture in (first, last):
        resp = client.get(_gate(client, url, http_date(_when(capture))).headers["location"])
        assert resp.status_code == 200
        _assert_memento_headers(resp, capture)
        assert resp.headers["content-type"].startswith("text/html"), "rewritten for a browser, like /archive"
        raw = client.get(_memento_href(capture, identity=True))
        _assert_memento_headers(raw, capture)
        assert raw.content == replay(url, data, at=capture.timestamp).body, "id_: the payload as archived"
    first_body = client.get(_memento_href(first, identity=True)).content
    assert first_body != client.get(_memento_href(last, identity=True)).content, "two versions, two payloads"


def test_a_non_html_memento_is_served_as_archived(client, archive):
    data, _, base = archive
    url = base + "/robots.txt"
    latest = _captures(data, url)[-1]
    resp = client.get(_gate(client, url).headers["location"])
    _assert_memento_headers(resp, latest)
    assert resp.content == replay(url, data, at=latest.timestamp).body and b"User-agent" in resp.content


def test_a_timestamp_between_mementos_redirects_to_the_closest_one(client, archive):
    data, paths, base = archive
    url = base + paths["body"]
    first, last = _captures(data, url)
    near_first = (_when(first) + timedelta(seconds=1)).strftime("%Y%m%d%H%M%S")
    resp = client.get(f"/memento/{near_first}/{url}", follow_redirects=False)
    assert resp.status_code == 302 and resp.headers["location"] == _memento_href(first)
    year = client.get(f"/memento/{last.timestamp[:4]}id_/{url}", follow_redirects=False)
    assert year.headers["location"] == _memento_href(first, identity=True), "2026 means its start: the first"
    for bad in ("abc", "123", "20261340000000", "202612010000000"):
        assert client.get(f"/memento/{bad}/{url}").status_code == 400, bad


def test_archive_responses_carry_the_memento_links_too(client, archive):
    data, paths, base = archive
    url = base + paths["body"]
    last = _captures(data, url)[-1]
    resp = client.get("/archive", params={"url": url, "at": last.timestamp})
    _assert_memento_headers(resp, last)


# -- an independent Memento client ----------------------------------------------------------------
def test_memento_client_finds_the_closest_memento_through_the_timegate(archive):
    """The Los Alamos client (PyPI ``memento_client``) asks our TimeGate with HEAD, checks that it
    is one (302, Vary, Link), follows it and reads the memento's headers."""
    data, paths, base = archive
    url = base + paths["body"]
    first, last = _captures(data, url)
    with serving(data) as app:
        mc = MementoClient(timegate_uri=f"{app}/timegate/", check_native_timegate=False)
        for capture, accept in ((first, _when(first) + timedelta(seconds=1)), (last, _when(last) + timedelta(days=1))):
            info = mc.get_memento_info(url, accept.astimezone(UTC).replace(tzinfo=None))
            closest = info["mementos"]["closest"]
            assert closest["uri"] == [app + _memento_href(capture)]
            assert closest["datetime"] == _when(capture).replace(tzinfo=None) and closest["http_status_code"] == 200
            assert info["mementos"]["first"]["uri"] == [_memento_href(first)]
            assert info["mementos"]["last"]["uri"] == [_memento_href(last)]
            assert info["original_uri"] == url and info["timegate_uri"] == f"{app}/timegate/{url}"
        assert MementoClient.is_timegate(f"{app}/timegate/{url}")
        assert MementoClient.is_memento(app + _memento_href(last))
