"""Per-field BM25 of the embedded backend's rescore window: FTS5's own statistics, read right."""

from __future__ import annotations

import sqlite3

import pytest

from index.fieldscore import K1, B, FieldStats, needle, padded, varints


@pytest.mark.parametrize(("blob", "values"), [
    (b"\x00", [0]), (b"\x7f", [127]), (b"\x81\x00", [128]), (b"\xff\x7f", [16383]),
    (b"\x81\x80\x00", [16384]), (b"\x05\x81\x00\x07", [5, 128, 7]),
    (b"\xff" * 8 + b"\xff", [2**64 - 1]),
])
def test_varints_decode_sqlite_encoding(blob, values):
    assert varints(blob) == values


def test_truncated_varint_is_an_error():
    with pytest.raises(ValueError):
        varints(b"\x81")


def _table(rows: list[tuple[str, str]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    db.executemany("INSERT INTO t (title, body) VALUES (?, ?)", rows)
    db.commit()  # FTS5 writes its averages record when a transaction commits
    return db


def test_totals_are_fts5s_row_count_and_column_lengths():
    rows = [("a b", "c d e f"), ("a", "c c c"), ("b b b b", "")]
    db = _table(rows)
    db.execute("DELETE FROM t WHERE rowid = 2")  # the averages record follows deletes too
    db.commit()
    stats = FieldStats(db, "t", ["title", "body"])
    assert stats.totals() == (2, [3.0, 2.0])  # (2 + 4) / 2 title tokens, (4 + 0) / 2 body tokens
    assert stats.df("a") == 1 and stats.df("b") == 2 and stats.df("zzz") == 0


def test_empty_table_scores_nothing_and_never_divides_by_zero():
    stats = FieldStats(_table([]), "t", ["title", "body"])
    assert stats.totals() == (0, [0.0, 0.0])
    scorers = stats.scorers([(("a",), [(("a",), [0])])], [1.0, 1.0])
    assert stats.score(scorers, [padded("a"), padded("")]) >= 0.0


def test_needles_count_whole_terms_and_phrases():
    col = padded("مفاوض رق مفاوض جنيف")
    assert col.count(needle(["مفاوض"])) == 2
    assert col.count(needle(["رق"])) == 1  # not inside another term
    assert col.count(needle(["مفاوض", "رق"])) == 1 and col.count(needle(["رق", "مفاوض"])) == 1
    assert col.count(needle(["جنيف", "مفاوض"])) == 0


def test_score_is_lucene_bm25_per_field():
    db = _table([("a b c d", "x"), ("a", "x"), ("e f", "x")])
    stats = FieldStats(db, "t", ["title", "body"])
    scorers = stats.scorers([(("a",), [(("a",), [0])])], [10.0, 1.0])
    (scorer,) = scorers
    import math
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    assert scorer.weight == pytest.approx(10.0 * idf)
    avg = 7 / 3
    short = stats.score(scorers, [padded("a"), ""])
    long = stats.score(scorers, [padded("a b c d"), ""])
    assert short == pytest.approx(10.0 * idf / (1 + K1 * (1 - B + B * 1 / avg)))
    assert long == pytest.approx(10.0 * idf / (1 + K1 * (1 - B + B * 4 / avg)))
    assert short > long  # the same word counts for more in a shorter field
