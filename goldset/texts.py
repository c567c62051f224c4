"""Pick real Arabic article texts from the SaudiNewsNet corpus into ``goldset/texts.json``.

Only a few dozen articles are copied (title and paragraphs, with their origin URL for attribution);
the corpus itself stays outside the repo. Texts that name a news agency are skipped, so that the
agencies a gold page expects are exactly the ones its template credits (byline, dateline, sign-off).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import zipfile
from pathlib import Path

TEXTS = Path(__file__).with_name("texts.json")
_AGENCY_WORDS = re.compile(r"وكال|رويترز|فرانس|برس|واس|سانا|الأناضول|د\.\s*ب|أ\s*ف\s*ب|كونا|الأنباء|شينخوا|سبوتنيك")
_SOURCES = ("aawsat", "alriyadh", "okaz", "almadina", "alyaum", "aljazirah", "aleqtisadiya", "sabq", "alwatan")


def _paragraphs(content: str) -> list[str]:
    paras = [re.sub(r"\s+", " ", p).strip() for p in content.split("\n")]
    # very short lines in the corpus are datelines («عين اليوم – متابعات») or photo captions
    return [p for p in paras if len(p) >= 40]


def pick(corpus: Path, count: int, per_source: int = 6) -> list[dict]:
    """Deterministic choice: articles ordered by a hash of their URL, a few per newspaper."""
    candidates = []
    for zpath in sorted(corpus.glob("2015-0*.zip"))[:6]:
        with zipfile.ZipFile(zpath) as zf:
            for name in zf.namelist():
                for art in json.loads(zf.read(name)):
                    paras = _paragraphs(art.get("content", ""))
                    text = "\n".join(paras)
                    title = re.sub(r"\s+", " ", art.get("title", "")).strip()
                    if (art.get("source") not in _SOURCES or not 3 <= len(paras) <= 10
                            or not 600 <= len(text) <= 3200 or not 20 <= len(title) <= 110
                            or _AGENCY_WORDS.search(text + title) or len(set(paras)) != len(paras)):
                        continue
                    key = hashlib.sha1(art["url"].encode()).hexdigest()
                    candidates.append((key, art["source"], art["url"], art["date_extracted"], title, paras))
    out, taken, seen_titles = [], {}, set()
    for _key, source, url, extracted, title, paras in sorted(candidates):
        if taken.get(source, 0) >= per_source or title in seen_titles:
            continue
        taken[source] = taken.get(source, 0) + 1
        seen_titles.add(title)
        out.append({"origin": source, "origin_url": url, "extracted": extracted, "title": title,
                    "paragraphs": paras})
        if len(out) == count:
            break
    return out


def extend(corpus: Path, existing: list[dict], more: int) -> list[dict]:
    """``existing`` and ``more`` texts after them, by the same rule with a larger share per paper,
    so the gold pages already built keep their texts when families are added."""
    have = {t["origin_url"] for t in existing}
    fresh = [t for t in pick(corpus, len(existing) + 4 * more, per_source=6 + more // 4) if t["origin_url"] not in have]
    return existing + fresh[:more]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path, help="directory of SaudiNewsNet YYYY-MM-DD.zip files")
    parser.add_argument("--count", type=int, default=45)
    parser.add_argument("--add", type=int, default=0, help="keep texts.json and append this many more")
    args = parser.parse_args(argv)
    if args.add:
        texts = extend(args.corpus, json.loads(TEXTS.read_text(encoding="utf-8")), args.add)
    else:
        texts = pick(args.corpus, args.count)
    TEXTS.write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(texts)} texts -> {TEXTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
