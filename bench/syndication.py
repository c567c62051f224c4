"""Story grouping on SaudiNewsNet with synthetic copies: precision, recall, false merges and speed.

    python -m bench.syndication [--copies 1000] [--seed 11]

All 31,030 articles go into an embedded index (stories assigned at upsert, ``index.stories``). Then
``--copies`` originals, drawn at random among those long enough to group, are republished by five
invented outlets a few hours later, each copy made with one to three of the edits copy desks make:
a dateline («دمشق - سانا»), an agency trailer or credit, a paragraph dropped, paragraphs moved, 10–20 %
of the words replaced by other words of the corpus — and always a headline of its own. The copies
are indexed after the corpus, as a later crawl of the copiers would find them.

- **Pairs** (micro-averaged over copies): a copy's true partners are its original's story as it
  stood before the copies came (the original and any real duplicates the corpus already had) and
  the other copies of the same original; its predicted partners are the other members of the story
  it joined. Precision and recall of those pairs.
- **False merges**: two articles of one outlet published a day or more apart in one story
  (recurring bulletins written from a template are different events; an outlet's own repost of a
  story the next day is not, so this over-counts): how many such pairs the corpus's stories hold,
  against all same-story pairs.
- **Speed**: the time to match one new article against the 31k-article index (sketch, candidate
  lookup, assignment), measured on the copies before they are indexed.
- **Baseline**, the same run: grouping by normalized headline (what URL and title matching — Media
  Cloud's approach — can see), scored on the same pairs.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import combinations
from pathlib import Path

from bench.corpus import load_articles
from bench.search_perf import pct
from core.record import Article, content_hash
from index.analysis import normalize
from index.embedded import EmbeddedBackend
from index.stories import THRESHOLD, BatchStories, sketch, sketch_of_stems, stems

OUTLETS = ("copy-alpha", "copy-beta", "copy-gamma", "copy-delta", "copy-epsilon")
DATELINES = ("دمشق - سانا", "الرياض - واس", "بيروت - وكالات", "القاهرة (أ ف ب) -", "عمان - بترا")
TRAILERS = ("(وكالات)", "المصدر: وكالة الأنباء الرسمية", "(د.ب.أ)", "نقلاً عن رويترز", "(أ ف ب)")


def make_copy(original: Article, n: int, rng: random.Random, vocab: list[str]) -> Article:
    paras = [p for p in (original.get("text") or "").split("\n") if p.strip()]
    edits = rng.sample(("dateline", "trailer", "drop", "reorder", "words"), rng.randint(1, 3))
    if "drop" in edits and len(paras) > 3:
        del paras[rng.randrange(1, len(paras))]
    if "reorder" in edits and len(paras) > 2:
        paras.insert(1, paras.pop(rng.randrange(1, len(paras))))
    text = "\n".join(paras)
    if "words" in edits:
        words = text.split(" ")
        for i in rng.sample(range(len(words)), int(len(words) * rng.uniform(0.10, 0.20))):
            words[i] = rng.choice(vocab)
        text = " ".join(words)
    if "dateline" in edits:
        text = f"{rng.choice(DATELINES)}\n{text}"
    if "trailer" in edits:
        text = f"{text}\n{rng.choice(TRAILERS)}"
    head = (original.get("title") or "").split()
    title = " ".join([*rng.sample(vocab, 2), *head[: max(1, len(head) // 2)]])
    try:
        published = (datetime.fromisoformat(original["published"]) + timedelta(hours=rng.randint(1, 20))).isoformat()
    except (KeyError, TypeError, ValueError):
        published = original.get("published")
    url = f"https://{OUTLETS[n % len(OUTLETS)]}.example/{n}"
    return Article(url=url, canonical_url=url, source=OUTLETS[n % len(OUTLETS)], title=title, subtitle="", text=text,
                   published=published, fetched=published or "", agencies=[], section="", tags=[], authors=[],
                   original_source="", language="ar", image="", date_source="", modified=None,
                   content_hash=content_hash(title, text), warc={})


def _groups(stories: dict[str, str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for url, story in stories.items():
        out[story].add(url)
    return out


def score(stories: dict[str, str], before: dict[str, str], copies: dict[str, str]) -> tuple[float, float]:
    """Micro-averaged pair precision and recall over the copies (see the module docstring)."""
    groups, groups_before = _groups(stories), _groups(before)
    copies_of: dict[str, set[str]] = defaultdict(set)
    for copy, original in copies.items():
        copies_of[original].add(copy)
    tp = predicted = true = 0
    for copy, original in copies.items():
        truth = (groups_before[before[original]] | copies_of[original]) - {copy}
        guess = groups[stories[copy]] - {copy}
        tp += len(truth & guess)
        predicted += len(guess)
        true += len(truth)
    return (tp / predicted if predicted else 1.0), (tp / true if true else 1.0)


def false_merges(members: dict[str, set[str]], by_url: dict[str, Article]) -> tuple[int, int, int]:
    """(pairs of one outlet a day or more apart in one story, of those three or more days apart,
    all same-story pairs)."""
    bad = far = pairs = 0
    for urls in members.values():
        for a, b in combinations(sorted(urls), 2):
            pairs += 1
            x, y = by_url[a], by_url[b]
            if x["source"] != y["source"]:
                continue
            try:
                days = abs((datetime.fromisoformat(x["published"]) - datetime.fromisoformat(y["published"])).days)
            except (KeyError, TypeError, ValueError):
                continue
            bad += days >= 1
            far += days >= 3
    return bad, far, pairs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    corpus = load_articles()
    vocab = [w for a in rng.sample(corpus, 500) for w in (a.get("text") or "").split() if len(w) > 2]
    by_url = {a["url"]: a for a in corpus}
    with tempfile.TemporaryDirectory(prefix="akhbar-stories-") as tmp:
        backend = EmbeddedBackend(Path(tmp) / "index.sqlite")
        start = time.perf_counter()
        for i in range(0, len(corpus), 500):
            backend.upsert(corpus[i:i + 500])
        fill = time.perf_counter() - start
        before = {a["url"]: backend.get(a["url"])["story_id"] for a in corpus}
        eligible = [a for a in corpus if sketch(a) is not None]
        originals = rng.sample(eligible, args.copies)
        copies = [make_copy(o, n, rng, vocab) for n, o in enumerate(originals)]
        copy_of = {c["url"]: o["url"] for c, o in zip(copies, originals, strict=True)}

        # Matching cost against the full index: sketch, candidates, assignment (no write).
        timings, analysis = [], []
        db = backend._db  # the benchmark reads the same connection the backend matches on
        for c in copies:
            t0 = time.perf_counter()
            terms = stems(c)  # the index computes these anyway (in the extraction workers, for a crawl)
            t1 = time.perf_counter()
            BatchStories().assign(c["url"], s := sketch_of_stems(terms), backend._candidates(db, s), c["published"])
            timings.append((time.perf_counter() - t1) * 1000)
            analysis.append((t1 - t0) * 1000)
        order = copies[:]
        rng.shuffle(order)
        for i in range(0, len(order), 200):
            backend.upsert(order[i:i + 200])
        stories = {**{a["url"]: backend.get(a["url"])["story_id"] for a in corpus},
                   **{c["url"]: backend.get(c["url"])["story_id"] for c in copies}}
        backend.close()

    precision, recall = score(stories, before, copy_of)
    title_of = {a["url"]: "t" + normalize(a.get("title") or "").strip() for a in [*corpus, *copies]}
    t_precision, t_recall = score(title_of, {a["url"]: title_of[a["url"]] for a in corpus}, copy_of)
    corpus_groups = {s: urls for s, urls in _groups({u: before[u] for u in before}).items() if len(urls) > 1}
    bad, far, pairs = false_merges(corpus_groups, by_url)
    outlets = sum(1 for urls in corpus_groups.values() if len({by_url[u]["source"] for u in urls}) > 1)

    print(f"{len(corpus):,} SaudiNewsNet articles indexed with stories in {fill:.0f} s; {args.copies:,} synthetic "
          f"copies by {len(OUTLETS)} outlets (1–3 edits each, a headline of their own); threshold {THRESHOLD}\n")
    print("| grouping | pair precision | pair recall |")
    print("|---|---:|---:|")
    print(f"| akhbar stories (MinHash + LSH over stems) | {precision:.3f} | {recall:.3f} |")
    print(f"| baseline: same normalized headline | {t_precision:.3f} | {t_recall:.3f} |")
    print(f"\nmatching one article against {len(corpus):,} (signatures, candidates, assignment): mean "
          f"{sum(timings) / len(timings):.2f} ms, p50 {pct(timings, 50):.2f} ms, p95 "
          f"{pct(timings, 95):.2f} ms; the body's stems it starts from (computed for the index "
          f"anyway): mean {sum(analysis) / len(analysis):.2f} ms")
    print(f"corpus: {len(corpus_groups):,} stories of two or more articles ({outlets:,} across outlets); "
          f"{pairs:,} same-story pairs, of which {bad:,} ({bad / max(1, pairs):.2%}) are one outlet's articles "
          f"published a day or more apart (likely different events; {far:,} three or more days apart)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
