"""The embedded SQLite FTS5 backend: the SearchBackend contract, persistence, and the snippet helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from index.analysis import analyze
from index.embedded import EmbeddedBackend
from index.highlight import snippet
from tests.backend_contract import *  # noqa: F403 - the contract tests and the `backend` fixture
from tests.backend_contract import art, search


@pytest.fixture
def empty_backend(tmp_path) -> Iterator[EmbeddedBackend]:
    b = EmbeddedBackend(tmp_path / "index.sqlite")
    yield b
    b.close()


# -- persistence -----------------------------------------------------------------------------


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
