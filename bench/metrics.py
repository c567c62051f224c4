"""Ranking metrics at a cutoff, over graded judgments (URL → grade; absent means 0).

A known-item query is the special case of one URL at grade 1, so the same three functions serve
every query class and the tables compare like with like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

K = 10


def reciprocal_rank(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """1/rank of the first result with grade ≥ 1 in the top ``k``, 0 when there is none."""
    for i, url in enumerate(ranked[:k]):
        if grades.get(url, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def recall(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """Share of the relevant documents (grade ≥ 1) found in the top ``k``.

    For a known item this is "target in the top k". For a topic with hundreds of relevant
    articles it can never reach 1 at k=10, so it is divided by min(k, relevant) — the best a
    ranking of ``k`` results can do — which keeps it readable as "how full the page is".
    """
    relevant = sum(1 for g in grades.values() if g >= 1)
    if not relevant:
        return 0.0
    found = sum(1 for url in ranked[:k] if grades.get(url, 0) >= 1)
    return found / min(k, relevant)


def ndcg(ranked: list[str], grades: dict[str, int], k: int = K) -> float:
    """nDCG@k with linear gains (grade / log2(rank + 1)); the ideal ranking is the best k grades."""
    dcg = sum(grades.get(url, 0) / math.log2(i + 2) for i, url in enumerate(ranked[:k]))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


@dataclass
class Scores:
    """One system's scores on one query."""

    rr: float
    recall: float
    ndcg: float
    empty: bool  # the system returned no hits at all


def score(ranked: list[str], grades: dict[str, int], k: int = K) -> Scores:
    return Scores(reciprocal_rank(ranked, grades, k), recall(ranked, grades, k), ndcg(ranked, grades, k),
                  not ranked)
