"""The embedded SQLite FTS5 backend: the SearchBackend contract, persistence, and the snippet helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.analysis import analyze
from index.base import MAX_PER_PAGE, SearchQuery
from index.embedded import EmbeddedBackend
from index.highlight import snippet
from index.liveness import LiveState
from tests.backend_contract import *  # noqa: F403 - the contract tests and the `backend` fixture
from tests.backend_contract import art, search, urls


@pytest.fixture
def empty_backend(tmp_path) -> Iterator[EmbeddedBackend]:
    b = EmbeddedBackend(tmp_path / "index.sqlite")
    yield b
    b.close()


# -- persistence -----------------------------------------------------------------------------


def test_a_file_from_before_liveness_gets_its_columns_filled_from_the_stored_articles(tmp_path):
    """An index written before the live/versions columns existed is brought up to date in place
    when opened: edited articles filter as changed, a recorded removal as gone, without a reindex."""
    import sqlite3

    path = tmp_path / "index.sqlite"
    b = EmbeddedBackend(path)
    edited = art(91, "خبر", "نص أول")
    b.upsert([edited, art(92, "خبر آخر", "نص")])
    b.upsert([{**edited, "text": "نص ثان", "content_hash": ""}])
    b.set_liveness({art(92, "", "")["url"]: LiveState("gone", "2024-07-01T00:00:00Z")})
    b.close()
    db = sqlite3.connect(path)
    db.execute("DROP INDEX articles_live")
    db.execute("ALTER TABLE articles DROP COLUMN live")
    db.execute("ALTER TABLE articles DROP COLUMN versions")
    db.commit()
    db.close()
    b = EmbeddedBackend(path)
    try:
        assert urls(search(b, "", status="changed")) == [edited["canonical_url"]]
        assert urls(search(b, "", status="gone")) == [art(92, "", "")["canonical_url"]]
        assert dict(b.facets(SearchQuery())["status"]) == {"alive": 1, "gone": 1, "changed": 1}
    finally:
        b.close()


def test_reopen_keeps_data_and_clear_empties(tmp_path):
    path = tmp_path / "sub" / "index.sqlite"
    b = EmbeddedBackend(path)
    b.upsert([art(90, "مفاوضات الرقة", "نص")])
    b.close()
    b = EmbeddedBackend(path)
    try:
        assert b.count() == 1
        assert search(b, "مفاوضات").total == 1
        b.clear()
        assert b.count() == 0
        assert search(b, "مفاوضات").total == 0
        assert search(b, "").total == 0
        b.upsert([art(90, "مفاوضات الرقة", "نص")])
        assert search(b, "مفاوضات").total == 1
    finally:
        b.close()


def test_paging_window_is_clamped_once_for_every_backend():
    """``SearchQuery.window``, which both backends page with: nonsense is clamped, never an error."""
    assert SearchQuery(page=3, per_page=20).window() == (40, 20)
    assert SearchQuery(page=0, per_page=0).window() == (0, 10)
    assert SearchQuery(page=-2, per_page=-5).window() == (0, 1)
    assert SearchQuery(page=2, per_page=10**9).window() == (MAX_PER_PAGE, MAX_PER_PAGE)


# -- the snippet helper ----------------------------------------------------------------------


def test_snippet_picks_the_best_window():
    text = ("كلام عام " * 60) + "وتواصلت المفاوضات حول مستقبل الرقة اليوم. " + ("كلام عام " * 60)
    snip = snippet(text, set(analyze("مفاوضات الرقة")), [], max_chars=120)
    assert "<mark>المفاوضات</mark>" in snip and "<mark>الرقة</mark>" in snip
    assert snip.startswith("…") and snip.endswith("…")
    assert len(snip.replace("<mark>", "").replace("</mark>", "")) <= 122


def test_snippet_without_match_is_the_start():
    text = "سطر أول\nسطر ثان " + "كلمة " * 100
    snip = snippet(text, {"غير"}, [], max_chars=50)
    assert snip.startswith("سطر أول سطر ثان")
    assert snip.endswith("…") and "<mark>" not in snip


def test_snippet_marks_phrase_tokens_and_escapes_marked_text():
    snip = snippet("a<b وزير الخارجية", set(), [["وزير", "خارج"]])
    assert snip == "a&lt;b <mark>وزير</mark> <mark>الخارجية</mark>"


def test_a_file_from_an_older_version_is_upgraded_in_place(tmp_path, caplog):
    """The first layout kept the article JSON in ``articles`` and two FTS columns: opening such a
    file moves the JSON out and re-analyzes every stored article, with one warning, no reindex."""
    import json
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE articles (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, url TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '', section TEXT NOT NULL DEFAULT '', published TEXT,
            published_utc TEXT, fetched TEXT NOT NULL DEFAULT '', content_hash TEXT NOT NULL,
            agencies TEXT NOT NULL DEFAULT '[]', doc TEXT NOT NULL);
        CREATE VIRTUAL TABLE fts USING fts5(title, body);
        INSERT INTO meta VALUES ('analyzer_version', '1');
    """)
    doc = {"url": "https://x/1", "canonical_url": "https://x/1", "title": "مفاوضات الرقة", "text": "نص الخبر"}
    db.execute("INSERT INTO articles (id, key, url, content_hash, doc) VALUES (1, ?, ?, 'h', ?)",
               (doc["url"], doc["url"], json.dumps(doc, ensure_ascii=False)))
    db.execute("INSERT INTO fts (rowid, title, body) VALUES (1, 'مفاوض رق', 'نص خبر')")
    db.commit()
    db.close()
    with caplog.at_level("WARNING"), EmbeddedBackend(path) as b:
        assert b.count() == 1 and b.get(doc["url"])["title"] == doc["title"]
        # «التفاوض» meets «مفاوضات» only through the new root field: the terms were re-analyzed.
        assert [h.article["url"] for h in b.search(SearchQuery(text="التفاوض في الرقة")).hits] == [doc["url"]]
    assert sum("re-analyzing 1 article" in r.getMessage() for r in caplog.records) == 1
    with EmbeddedBackend(path) as again:  # upgraded once: a second open is quiet
        assert again.count() == 1
        # A process that saw the old version before another one upgraded the file does nothing
        # once it holds the write lock.
        with caplog.at_level("WARNING"):
            again._upgrade("1")
    assert sum("re-analyzing" in r.getMessage() for r in caplog.records) == 1


def test_snippet_work_is_bounded_by_the_scan_window():
    """A huge article (issue: 8 MB of text made every matching query take seconds) costs a
    snippet no more than its first MAX_SCAN_CHARS: a match past them still finds the article, but
    the snippet falls back to the text's start instead of scanning everything."""
    from index.highlight import MAX_SCAN_CHARS, snippet_and_count
    from index.query import parse_query

    filler = "كلمة " * (MAX_SCAN_CHARS // 5 + 1000)
    marks = parse_query("مفاوضات").highlighter()
    snip, n = snippet_and_count(filler + "المفاوضات", marks)
    assert n == 0 and "<mark>" not in snip and len(snip) < 300
    snip, n = snippet_and_count("المفاوضات " + filler, marks)
    assert n == 1 and snip.startswith("<mark>المفاوضات</mark>")


@pytest.mark.parametrize("n", range(1, 8))
def test_at_least_k_of_n_expression_means_what_it_says(n):
    """The FTS5 boolean for "at least k groups", checked as plain logic on every assignment."""
    from itertools import product

    from index.embedded import _at_least

    names = [f"g{i}" for i in range(n)]
    for k in range(1, n + 1):
        expr = _at_least(k, names).replace("AND", "and").replace("OR", "or")
        for values in product([False, True], repeat=n):
            assert eval(expr, {}, dict(zip(names, values, strict=True))) == (sum(values) >= k), (n, k)


def test_bm25_of_a_tier_counts_each_matched_group_once():
    """A tier is ranked by the nested "at least k" expression: for a row with exactly k of the
    groups, FTS5's bm25 must score it as the AND of those groups alone (the branches that do not
    match add nothing, and no group counts twice) — else groups would weigh unequally."""
    import sqlite3
    from itertools import combinations

    from index.embedded import _at_least

    words = ["alpha", "bravo", "charlie", "delta"]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    rows = [" ".join(c) + " filler" * i for i, k in enumerate(range(1, 5)) for c in combinations(words, k)]
    db.executemany("INSERT INTO t (body) VALUES (?)", [(r,) for r in rows])
    groups = [f'"{w}"' for w in words]
    checked = 0
    for k in range(1, 5):
        tier = _at_least(k, groups)
        for rowid, body in db.execute("SELECT rowid, body FROM t"):
            present = [g for g, w in zip(groups, words, strict=True) if w in body.split()]
            if len(present) != k:
                continue
            (got,) = db.execute("SELECT bm25(t) FROM t WHERE t MATCH ? AND rowid = ?", (tier, rowid)).fetchone()
            (alone,) = db.execute("SELECT bm25(t) FROM t WHERE t MATCH ? AND rowid = ?",
                                  (" AND ".join(present), rowid)).fetchone()
            assert got == pytest.approx(alone), (k, body)
            checked += 1
    assert checked == len(rows)
