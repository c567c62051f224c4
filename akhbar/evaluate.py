"""Extraction quality against the gold set, for Akhbar and for plain ``trafilatura.extract``.

A gold page is ``<key>.html`` (the bytes as served) plus ``<key>.json`` (URL, Content-Type, fetch
time, the source profile, the expected record and the chrome phrases its template printed). Scores:

* body: token precision/recall/F1 (bag of words, tashkeel ignored), averaged over pages;
* leaks: chrome phrases of the page found in the extracted text (one count per page and phrase);
* title: exact match after whitespace tidying;
* date: Akhbar must give the same instant *and* UTC offset; trafilatura only returns a day, so it
  is scored on the local calendar day alone (generous to it);
* ms/page: wall time of extraction (Akhbar's includes decoding the bytes; trafilatura gets them
  decoded), median of the repeats.

Akhbar runs like ``akhbar reindex`` after a crawl: every page of a source is observed by the
boilerplate learner first, then extracted with what was learned. The "nothing learned" row is the
first page of a fresh crawl.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from w3lib.url import canonicalize_url

from core.arabic import strip_tashkeel
from core.charset import decode_html
from crawler.profiles import SourceProfile, profile_from_dict
from pipelines.boilerplate_learning import SiteBoilerplate
from pipelines.capture import NotAnArticle, article_from_capture

_TOKEN = re.compile(r"\w+")
META_FIELDS = ("section", "authors", "agencies", "original_source", "modified", "subtitle", "tags",
               "canonical_url", "image")


@dataclass
class GoldPage:
    key: str
    family: str
    url: str
    body: bytes
    content_type: str
    fetched: str
    profile: SourceProfile
    expected: dict
    boilerplate: list[str]


def load_gold(directory: str | Path) -> list[GoldPage]:
    pages = []
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        pages.append(GoldPage(
            key=data["key"], family=data["family"], url=data["url"],
            body=path.with_suffix(".html").read_bytes(), content_type=data.get("content_type", ""),
            fetched=data["fetched"], profile=profile_from_dict(data["profile"], str(path)),
            expected=data["expected"], boilerplate=data.get("boilerplate", []),
        ))
    if not pages:
        raise FileNotFoundError(f"no gold pages (*.json + *.html) in {directory}")
    return pages


# --- scoring ---------------------------------------------------------------------------------------------
def tokens(text: str) -> Counter:
    return Counter(_TOKEN.findall(strip_tashkeel(text or "")))


def prf(predicted: str, gold: str) -> tuple[float, float, float]:
    pred, ref = tokens(predicted), tokens(gold)
    common = sum((pred & ref).values())
    p = common / sum(pred.values()) if pred else 0.0
    r = common / sum(ref.values()) if ref else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _flat(text: str) -> str:
    return " ".join(strip_tashkeel(text or "").split())


def leaks(text: str, phrases: list[str]) -> list[str]:
    flat = _flat(text)
    return [p for p in phrases if _flat(p) and _flat(p) in flat]


def same_instant(got: str | None, want: str | None) -> bool:
    if not got or not want:
        return got == want
    try:
        a, b = datetime.fromisoformat(got), datetime.fromisoformat(want)
    except ValueError:
        return False
    return a == b and a.utcoffset() == b.utcoffset()


def same_day(got: str | None, want: str | None) -> bool:
    return bool(got and want) and got[:10] == datetime.fromisoformat(want).date().isoformat()


@dataclass
class Result:
    """What one system returned for one page, and how it scored."""

    key: str
    family: str
    precision: float
    recall: float
    f1: float
    leaked: list[str]
    title_ok: bool
    date_ok: bool
    seconds: float
    fields: dict[str, bool] = field(default_factory=dict)
    got: dict = field(default_factory=dict, repr=False)


@dataclass
class Summary:
    system: str
    results: list[Result]

    def row(self) -> dict[str, Any]:
        rs = self.results
        n = len(rs)
        out = {
            "system": self.system, "pages": n,
            "precision": statistics.fmean(r.precision for r in rs),
            "recall": statistics.fmean(r.recall for r in rs),
            "f1": statistics.fmean(r.f1 for r in rs),
            "leaks": sum(len(r.leaked) for r in rs),
            "title_exact": sum(r.title_ok for r in rs) / n,
            "date_exact": sum(r.date_ok for r in rs) / n,
            "ms_per_page": 1000 * statistics.fmean(r.seconds for r in rs),
        }
        for name in META_FIELDS:
            scored = [r.fields[name] for r in rs if name in r.fields]
            if scored:
                out[f"{name}_exact"] = sum(scored) / len(scored)
        return out


# --- systems ---------------------------------------------------------------------------------------------
def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    times, value = [], None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return value, statistics.median(times)


def _score(page: GoldPage, text: str, title: str, date_ok: bool, seconds: float, got: dict) -> Result:
    p, r, f1 = prf(text, page.expected["text"])
    return Result(page.key, page.family, p, r, f1, leaks(text, page.boilerplate),
                  " ".join(title.split()) == " ".join(page.expected["title"].split()), date_ok, seconds, got=got)


def run_akhbar(pages: list[GoldPage], learn: bool = True, repeat: int = 1) -> Summary:
    """Akhbar as ``akhbar reindex`` runs it: with ``learn``, every page is first counted into its site's
    boilerplate (untimed, like the crawls that came before), then each page is extracted, timed,
    with what was learned; without it, each page is extracted as the first page of a new site."""
    sites: dict[str, SiteBoilerplate] = {}

    def extract(page: GoldPage, learning: bool = False) -> dict:
        try:
            return dict(article_from_capture(page.body, page.url, page.profile, content_type=page.content_type,
                                             fetched=page.fetched, learned=sites.get(page.profile.id),
                                             learn=learning))
        except NotAnArticle:
            return {}

    if learn:
        for page in pages:
            sites.setdefault(page.profile.id, SiteBoilerplate(page.profile.id))
            extract(page, learning=True)
    results = []
    for page in pages:
        got, seconds = _timed(lambda page=page: extract(page), repeat)
        res = _score(page, got.get("text", ""), got.get("title", ""),
                     same_instant(got.get("published"), page.expected["published"]), seconds, got)
        res.fields = _field_checks(got, page.expected)
        results.append(res)
    return Summary("akhbar" if learn else "akhbar, nothing learned", results)


def _field_checks(got: dict, want: dict) -> dict[str, bool]:
    """Metadata fields scored on the pages whose gold value says something (an empty expected
    subtitle or tag list means "not scored", since most pages have none to find)."""
    checks = {
        "section": got.get("section", "") == want["section"],
        "authors": list(got.get("authors", [])) == want["authors"],
        "agencies": sorted(got.get("agencies", [])) == sorted(want["agencies"]),
        "original_source": got.get("original_source", "") == want["original_source"],
        "modified": same_instant(got.get("modified"), want.get("modified")) if want.get("modified") else None,
        "subtitle": got.get("subtitle", "") == want["subtitle"] if want.get("subtitle") else None,
        "tags": list(got.get("tags", [])) == want["tags"] if want.get("tags") else None,
        "canonical_url": got.get("canonical_url", "") == canonicalize_url(want["canonical_url"]),
        "image": got.get("image", "") == want["image"] if want.get("image") else None,
    }
    return {k: v for k, v in checks.items() if v is not None}


def run_trafilatura(pages: list[GoldPage], repeat: int = 1) -> Summary:
    """``trafilatura.extract`` with its defaults (JSON output to get title and date in the same call).
    It is handed the page already decoded by our decoder, untimed: its own charset detection is
    slower and gets windows-1256 pages wrong, and the comparison is about extraction."""
    import trafilatura


    results = []
    for page in pages:
        html = decode_html(page.body, page.content_type).text

        def run(page: GoldPage = page, html: str = html) -> dict:
            out = trafilatura.extract(html, url=page.url, output_format="json", with_metadata=True)
            return json.loads(out) if out else {}
        got, seconds = _timed(run, repeat)
        results.append(_score(page, got.get("text") or got.get("raw_text") or "", got.get("title") or "",
                              same_day(got.get("date"), page.expected["published"]), seconds, got))
    return Summary("trafilatura.extract", results)


def evaluate(directory: str | Path, repeat: int = 3) -> dict[str, Any]:
    pages = load_gold(directory)
    trafilatura_summary = run_trafilatura(pages, repeat)  # first, so it warms nothing up for us
    systems = [run_akhbar(pages, learn=True, repeat=repeat), run_akhbar(pages, learn=False, repeat=repeat),
               trafilatura_summary]
    families = sorted({p.family for p in pages})
    return {
        "pages": len(pages), "families": families,
        "systems": [s.row() for s in systems],
        "by_family": {s.system: {fam: statistics.fmean(r.f1 for r in s.results if r.family == fam) for fam in families}
                      for s in systems},
        "failures": [{"key": r.key, "f1": round(r.f1, 4), "leaked": r.leaked, "title_ok": r.title_ok,
                      "date_ok": r.date_ok, "fields": {k: v for k, v in r.fields.items() if not v}}
                     for r in systems[0].results
                     if r.f1 < 0.999 or r.leaked or not r.title_ok or not r.date_ok or not all(r.fields.values())],
    }


def markdown_table(report: dict[str, Any]) -> str:
    head = ("| system | body P | body R | body F1 | leaked boilerplate | title exact | date exact | ms/page |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = [f"| {r['system']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['leaks']} | "
            f"{r['title_exact']:.0%} | {r['date_exact']:.0%} | {r['ms_per_page']:.1f} |" for r in report["systems"]]
    return "\n".join([head, *rows])


def metadata_table(report: dict[str, Any]) -> str:
    row = report["systems"][0]
    cells = [(name, row[f"{name}_exact"]) for name in META_FIELDS if f"{name}_exact" in row]
    return ("| " + " | ".join(n for n, _ in cells) + " |\n|" + "---:|" * len(cells) + "\n| "
            + " | ".join(f"{v:.0%}" for _, v in cells) + " |")
