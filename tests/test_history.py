"""Versions and liveness, for real: a crawl, the sample site's «edit» mode (one text edited, one
headline edited, one article 404, one 410, one redirected), a second crawl; then ``akhbar history``
and ``/api/history`` say what became of each, and ``--diff`` shows the edit word by word."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from akhbar.history import STATUSES
from akhbar.web import create_app
from samples.catalog import site_articles
from samples.server import ADDED_SENTENCE, EDITED_MARK
from tests.conftest import akhbar
from tests.helpers import crawl_edit_check_live
from tests.test_incremental import _fast, crawl_with_edits

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def edited(sample_sites, tmp_path_factory):
    from core.config import DataDir

    data = DataDir(tmp_path_factory.mktemp("history-data")).ensure()
    return data, crawl_with_edits(sample_sites, data), sample_sites.base_urls["watan"]


def _history(edited, kind: str) -> dict:
    data, paths, base = edited
    return json.loads(akhbar("history", base + paths[kind], "--json", data=data).stdout)


def test_the_history_shape_is_the_contract(edited):
    shape = _history(edited, "body")
    assert list(shape) == ["url", "status", "removed_since", "redirected_to", "versions"]
    assert shape["status"] in STATUSES
    for version in shape["versions"]:
        assert list(version) == ["timestamp", "title", "content_hash", "added", "removed", "warc"]
        assert {"file", "offset", "length"} <= set(version["warc"])


def test_an_edited_text_is_a_second_version_and_the_page_changed(edited):
    shape = _history(edited, "body")
    assert shape["status"] == "changed" and len(shape["versions"]) == 2
    first, second = shape["versions"]
    assert second["added"] == len(ADDED_SENTENCE.split()) and second["removed"] == 0
    assert second["timestamp"] > first["timestamp"] and second["content_hash"] != first["content_hash"]


def test_an_edited_headline_is_a_version_with_the_new_headline(edited):
    shape = _history(edited, "headline")
    assert len(shape["versions"]) == 2 and shape["versions"][1]["title"].endswith(EDITED_MARK.strip())


def test_404_and_410_are_gone_since_the_first_time_seen_gone(edited):
    for kind in ("gone", "removed"):
        shape = _history(edited, kind)
        assert shape["status"] == "gone", kind
        assert shape["removed_since"] and shape["removed_since"] > shape["versions"][0]["timestamp"][:19]
        assert len(shape["versions"]) == 1, "the story as it was stays, with its one version"


def test_a_redirect_says_where_to(edited):
    _, paths, base = edited
    shape = _history(edited, "redirected")
    assert shape["status"] == "redirected" and shape["redirected_to"] == base + paths["redirect_target"]


def test_an_untouched_article_is_alive_with_one_version(edited):
    data, paths, base = edited
    touched = set(paths.values())
    other = next(a for a in site_articles("watan") if a.url_path not in touched and "non_html" not in a.flags)
    shape = json.loads(akhbar("history", base + other.url_path, "--json", data=data).stdout)
    assert shape["status"] == "alive" and len(shape["versions"]) == 1


def test_the_diff_marks_the_added_words_from_the_archived_records(edited):
    data, paths, base = edited
    out = json.loads(akhbar("history", base + paths["body"], "--diff", "1", "2", "--json", data=data).stdout)
    added = "".join(run["text"] for run in out["diff"] if run["op"] == "+").strip()
    assert added == ADDED_SENTENCE and not [run for run in out["diff"] if run["op"] == "-"]
    plain = akhbar("history", base + paths["body"], "--diff", "1", "-1", data=data).stdout.decode()
    assert "{+" + ADDED_SENTENCE + "+}" in plain
    assert akhbar("history", base + paths["body"], "--diff", "1", "3", data=data, check=False).returncode == 2


def test_the_api_answers_the_same_history_and_diff(edited):
    data, paths, base = edited
    client = TestClient(create_app(data), base_url="http://127.0.0.1")
    assert client.get("/api/history", params={"url": base + paths["body"]}).json() == _history(edited, "body")
    diff = client.get("/api/diff", params={"url": base + paths["body"], "a": 1, "b": 2}).json()
    assert "".join(r["text"] for r in diff["diff"] if r["op"] == "+").strip() == ADDED_SENTENCE
    assert client.get("/api/diff", params={"url": base + paths["body"], "a": 5}).status_code == 404


# -- akhbar check-live ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def checked(sample_sites, tmp_path_factory):
    """A crawl, the edits, then ``akhbar check-live`` instead of a second crawl."""
    return crawl_edit_check_live(sample_sites, tmp_path_factory.mktemp("check-live-data"))


def test_check_live_reports_what_became_of_every_archived_article(checked):
    out = checked[3]
    archived = [a for a in site_articles("watan") if "non_html" not in a.flags]
    line = next(ln for ln in out.splitlines() if ln.startswith("sample-watan:"))
    counts = dict((k, int(v)) for k, v in (part.rsplit(" ", 1) for part in line.split("— ", 1)[1].split(", ")))
    assert f"checked {len(archived)}" in line
    assert counts["gone"] == 2 and counts["redirected"] == 1 and counts["changed"] == 2
    assert counts["unchanged"] == len(archived) - 5 and counts["blocked"] == counts["error"] == 0
    report = json.loads(sorted((checked[0].state / "reports").glob("crawl-*.json"))[-1].read_text())[0]
    assert report["liveness"]["gone"] == 2 and not report["errors"], "a 404 is evidence, not a crawl error"


def test_after_check_live_the_history_says_it_too(checked):
    data, paths, base, _ = checked
    def status(kind: str) -> dict:
        return json.loads(akhbar("history", base + paths[kind], "--json", data=data).stdout)
    assert status("gone")["status"] == status("removed")["status"] == "gone"
    assert status("redirected")["redirected_to"] == base + paths["redirect_target"]
    assert status("body")["status"] == "changed" and len(status("body")["versions"]) == 2
    assert status("headline")["versions"][-1]["title"].endswith(EDITED_MARK.strip())


def _search(data, *args: str) -> dict:
    return json.loads(akhbar("search", "", "--json", "--limit", "50", *args, data=data).stdout)


def test_check_live_records_what_it_found_in_the_index_and_reindex_rebuilds_it(checked, tmp_path):
    """The index knows which stories were removed (and since when) and which changed, so a search
    can ask for them; ``akhbar reindex`` rebuilds the same from the archive alone."""
    data, paths, base, _ = checked

    def readings() -> dict:
        found = {}
        for status in ("gone", "redirected", "changed"):
            hits = _search(data, "--status", status)["hits"]
            found[status] = sorted((h["url"], h.get("removed_since")) for h in hits)
        return found

    before = readings()
    assert [u for u, _ in before["gone"]] == sorted(base + paths[k] for k in ("gone", "removed"))
    assert all(since for _, since in before["gone"])
    assert [u for u, _ in before["redirected"]] == [base + paths["redirected"]]
    assert [u for u, _ in before["changed"]] == sorted(base + paths[k] for k in ("body", "headline"))
    history = json.loads(akhbar("history", base + paths["gone"], "--json", data=data).stdout)
    assert dict(before["gone"])[base + paths["gone"]] == history["removed_since"]
    akhbar("reindex", "--workers", "0", data=data)
    assert readings() == before


def test_check_live_takes_the_longest_unchecked_first_and_stops_at_its_limit(checked, sample_sites):
    from crawler.fetchlog import FetchLog

    data = checked[0]
    with FetchLog(data.fetchlog) as log:
        before = log.least_recently_checked("sample-watan", 100)
    move = f"--base-url=sample-watan={sample_sites.base_urls['watan']}"
    out = akhbar("check-live", "sample-watan", move, "--limit", "2", "--no-progress", *_fast(), data=data).stdout
    assert "sample-watan: checked 2 " in out.decode()
    with FetchLog(data.fetchlog) as log:
        after = log.least_recently_checked("sample-watan", 100)
    assert sorted(after) == sorted(before) and after[-2:] == before[:2], "the two checked now go to the back"


# -- the web pages ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web(checked):
    return TestClient(create_app(checked[0]), base_url="http://127.0.0.1")


def _page(response):
    from lxml import html

    assert response.status_code == 200, response.text[:300]
    return html.fromstring(response.text)


def test_a_removed_story_says_when_it_was_taken_down(web, checked):
    data, paths, base, _ = checked
    doc = _page(web.get("/article", params={"url": base + paths["gone"]}))
    banner = doc.cssselect("p.standing.gone")[0]
    assert banner.text_content().startswith("حُذف من الموقع في")
    removed = json.loads(akhbar("history", base + paths["gone"], "--json", data=data).stdout)["removed_since"]
    assert banner.cssselect("time")[0].get("datetime") == removed
    assert doc.cssselect("h1")[0].text_content().strip(), "the story as archived is still shown"
    moved = _page(web.get("/article", params={"url": base + paths["redirected"]}))
    assert base + paths["redirect_target"] in moved.cssselect("p.standing.moved")[0].text_content()
    assert not _page(web.get("/article", params={"url": base + paths["body"]})).cssselect("p.standing")


def test_an_edited_story_shows_its_versions_and_a_right_to_left_diff(web, checked):
    _, paths, base, _ = checked
    doc = _page(web.get("/article", params={"url": base + paths["body"]}))
    assert doc.cssselect("section.versions h2")[0].text_content() == "نسختان"
    items = doc.cssselect("ol.timeline li")
    assert len(items) == 2 and "+" + str(len(ADDED_SENTENCE.split())) in items[1].text_content()
    replays = [a.get("href") for li in items for a in li.cssselect("a") if a.get("href").startswith("/replay")]
    assert len(set(replays)) == 2, "each version links to its own capture"
    diff_link = next(a.get("href") for a in items[1].cssselect("a") if a.get("href").startswith("/diff"))
    page = _page(web.get(diff_link))
    body = page.cssselect("div.diff")[0]
    assert body.get("dir") == "rtl"
    assert "".join(i.text_content() for i in body.cssselect("ins")).strip() == ADDED_SENTENCE
    assert not body.cssselect("del")
    assert len({a.get("href") for a in page.cssselect(".side a")}) == 2
    headline = _page(web.get("/diff", params={"url": base + paths["headline"], "a": 1, "b": 2}))
    assert EDITED_MARK.strip("() ") in "".join(i.text_content() for i in headline.cssselect("div.diff ins"))
    for params, status in (({"url": base + paths["body"], "a": 9}, 404), ({"url": "file:///etc/passwd"}, 400),
                           ({"url": base + "/no-such-article"}, 404)):
        assert web.get("/diff", params=params).status_code == status, params


def test_search_filters_removed_and_changed_stories_and_counts_them(web, checked):
    _, paths, base, _ = checked
    removed = _page(web.get("/", params={"status": "gone"}))
    assert len(removed.cssselect("li.hit")) == 2
    assert all("حُذف من الموقع" in h.cssselect(".meta")[0].text_content() for h in removed.cssselect("li.hit"))
    facet = {li.cssselect(".label")[0].text_content().strip(): int(li.cssselect(".count")[0].text_content())
             for li in _page(web.get("/")).cssselect('section[data-facet="status"] li')}
    assert facet["حُذف من الموقع"] == 2 and facet["نُقل إلى رابط آخر"] == 1 and facet["عُدِّل بعد نشره"] == 2
    api = web.get("/api/search", params={"status": "changed"}).json()
    assert sorted(h["article"]["url"] for h in api["hits"]) == sorted(base + paths[k] for k in ("body", "headline"))
    assert web.get("/api/search", params={"status": "nonsense"}).status_code == 422
