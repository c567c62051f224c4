"""Per-field BM25 for the short fields of the embedded backend's rescore window.

FTS5's ``bm25()`` normalizes a row's term frequencies by the length of the *whole row*, so a
headline made entirely of the query's words scores little when its article is long, and two
near-identical headlines (wire copies) are told apart by their bodies rather than by how well
their headlines fit the query. Lucene, and so the Elasticsearch backend, normalizes each field by
that field's own length. The embedded backend keeps FTS5's score for the long body columns (the
body dominates the row's length, so there the two agree) and scores the short columns here, the
Lucene way, for the hundred rows it re-sorts.

What it needs FTS5 already keeps: the number of rows and the tokens of each column (the
"averages" record of the ``_data`` shadow table, a list of varints — part of FTS5's documented,
stable file format) and, per term, the number of rows holding it (an ``fts5vocab`` table of
type ``row``, created in the connection's ``temp`` schema so opening an index never writes to it).
Rarity is a property of the query *word*: every form of a group (stem, exact, root, spelling
variants) and every field takes the idf of the group's stem terms. One lookup per word keeps a
fresh query cheap (a term's lookup walks its whole doclist, and per-column counts cost several
times more), and within one tier it orders rows as per-field idf would, the forms of one word
being about equally rare in the short fields.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K1, B = 1.2, 0.75  # the BM25 parameters FTS5 and Lucene both use
# FTS5's bm25 keeps the constant (k1 + 1) factor Lucene dropped from its BM25 (so scores there are
# that much smaller); dividing FTS5's score by it puts the two on Lucene's scale, the scale the
# fixed bonuses (headline proximity) are set on.
FTS5_SCALE = K1 + 1.0
_AVERAGES_ROWID = 1  # FTS5_AVERAGES_ROWID: nRow, then the token total of every column


def varints(blob: bytes) -> list[int]:
    """Decode SQLite's variable-length integers (1–9 bytes each, big-endian 7-bit groups; a ninth
    byte carries 8 bits), as FTS5 writes its averages record."""
    out: list[int] = []
    i, n = 0, len(blob)
    while i < n:
        value = 0
        for j in range(9):
            if i >= n:
                raise ValueError("truncated varint")
            c = blob[i]
            i += 1
            if j == 8:
                value = (value << 8) | c
                break
            value = (value << 7) | (c & 0x7F)
            if not c & 0x80:
                break
        out.append(value)
    return out


def needle(terms: Sequence[str]) -> str:
    """What ``terms`` looks like inside a column padded as ``padded`` pads it: counting it counts
    the phrase's occurrences (its tokens adjacent, in order) without splitting the column. (The
    count does not overlap, so a term written twice back to back counts once: headlines and leads
    practically never do that.)"""
    return " " + " ".join(terms) + " "


def padded(column: str) -> str:
    """A stored column (space-joined terms) with a space at each end, for ``needle`` searches."""
    return f" {column} "


def idf(rows: int, df: int) -> float:
    """Lucene's BM25 idf: always positive, so a word in most headlines still counts a little
    (``rows`` read before a write landed may be below ``df``: never below zero)."""
    rows = max(rows, df)
    return math.log(1.0 + (rows - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class Scorer:
    """One query form on one column: its ``needle`` and ``weight × idf``."""

    column: int
    needle: str
    weight: float


class FieldStats:
    """Row count, average column lengths and document frequencies of one FTS5 table, read once
    per database version (``reset`` when it changes) and cached per term."""

    def __init__(self, db: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
        self._db = db
        self._table = table
        self._columns = list(columns)
        self._vocab = f"temp.{table}_vocab_row"
        self._vocab_ready = False
        self._totals: tuple[int, list[float]] | None = None
        self._df: dict[str, int] = {}

    def reset(self) -> None:
        self._totals = None
        self._df.clear()

    def totals(self) -> tuple[int, list[float]]:
        """(rows, average tokens per column); (0, zeros) for an empty or unreadable table."""
        if self._totals is None:
            row = self._db.execute(f"SELECT block FROM {self._table}_data WHERE id = ?", (_AVERAGES_ROWID,)).fetchone()
            try:
                values = varints(bytes(row[0])) if row else []
            except ValueError:
                values = []
            if len(values) < 1 + len(self._columns) or values[0] <= 0:
                self._totals = (0, [0.0] * len(self._columns))
            else:
                rows = values[0]
                self._totals = (rows, [values[1 + c] / rows for c in range(len(self._columns))])
        return self._totals

    def df(self, term: str) -> int:
        """Rows holding ``term`` in any column."""
        got = self._df.get(term)
        if got is None:
            if not self._vocab_ready:
                self._db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {self._vocab}"
                                 f" USING fts5vocab(main, {self._table}, row)")
                self._vocab_ready = True
            row = self._db.execute(f"SELECT doc FROM {self._vocab} WHERE term = ?", (term,)).fetchone()
            got = self._df[term] = row[0] if row else 0
        return got

    def scorers(self, groups: Iterable[tuple[Sequence[str], Iterable[tuple[tuple[str, ...], Sequence[int]]]]],
                weights: Sequence[float]) -> list[Scorer]:
        """One ``Scorer`` per (form, column) pair of every group. ``groups`` gives each group's stem
        terms (its idf is theirs, summed for a phrase as Lucene does) and its forms, each with
        the columns it is searched in; columns of weight 0 are left out."""
        rows, _ = self.totals()
        out: list[Scorer] = []
        for idf_terms, forms in groups:
            rarity = sum(idf(rows, self.df(t)) for t in idf_terms)
            seen: set[tuple[int, tuple[str, ...]]] = set()
            for terms, columns in forms:
                for c in columns:
                    if weights[c] and (c, terms) not in seen:
                        seen.add((c, terms))
                        out.append(Scorer(c, needle(terms), weights[c] * rarity))
        return out

    def score(self, scorers: Sequence[Scorer], columns: Sequence[str]) -> float:
        """Sum of BM25 over ``scorers`` for one row, ``columns`` being its stored columns
        ``padded`` (indexed like the table's; only the ones the scorers name are read)."""
        _, avg = self.totals()
        total = 0.0
        for s in scorers:
            text = columns[s.column]
            tf = text.count(s.needle)
            if tf:
                length = text.count(" ") - 1
                norm = 1.0 - B + B * length / (avg[s.column] or length)
                total += s.weight * tf / (tf + K1 * norm)
        return total
