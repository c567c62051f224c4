"""Write the gold set: ``goldset/pages/<key>.html`` plus ``<key>.json`` (what a perfect extractor returns).

Inputs are ``goldset/texts.json`` (real articles picked from SaudiNewsNet by ``goldset.texts``) and the
two seed articles as the bundled sample sites serve them. Run ``python -m goldset.build`` after changing
a template; the output is committed so the gold set stays fixed.
"""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from goldset import families as f
from goldset.families import GoldArticle
from goldset.texts import TEXTS

PAGES = Path(__file__).with_name("pages")
FAMILIES: tuple[f.Family, ...] = (
    f.Family("jannah", "صحيفة المدار", "https://almadar.example", "Asia/Riyadh", "utf-8",
             ("محليات", "اقتصاد", "دولي", "ثقافة", "رياضة"), f.jannah),
    f.Family("dw", "DW عربية", "https://dw-ar.example", "Europe/Berlin", "utf-8",
             ("سياسة", "اقتصاد", "ثقافة ومجتمع", "علوم وصحة", "رياضة"), f.dw),
    f.Family("sana", "سانا", "https://sana.example", "Asia/Damascus", "utf-8",
             ("سياسة", "محليات", "اقتصاد", "ثقافة", "منوعات"), f.sana),
    f.Family("aggregator", "بوابة الشام", "https://bawabat-alsham.example", "Asia/Damascus", "utf-8",
             ("أخبار عربية", "دولية", "اقتصاد", "منوعات", "صحة"), f.aggregator),
    f.Family("amp", "عاجل", "https://ajel.example", "Asia/Riyadh", "utf-8",
             ("محليات", "رياضة", "العالم", "اقتصاد", "تقنية"), f.amp),
    f.Family("legacy", "جريدة الأفق", "http://alofoq.example", "Asia/Riyadh", "windows-1256",
             ("محليات", "اقتصاد", "رياضة", "الرأي", "دوليات"), f.legacy),
    f.Family("jsonld", "المنصة", "https://almanassa.example", "Asia/Riyadh", "utf-8",
             ("سياسة", "اقتصاد", "تكنولوجيا", "رياضة", "ثقافة"), f.jsonld),
    f.Family("comments", "الميدان اليوم", "https://almaydan.example", "Asia/Riyadh", "utf-8",
             ("أخبار محلية", "اقتصاد", "رأي", "رياضة", "منوعات"), f.comments),
    f.Family("relative", "سبق الآن", "https://sabq-now.example", "Asia/Riyadh", "utf-8",
             ("محليات", "خليجيات", "رياضة", "اقتصاد", "منوعات"), f.relative),
    f.Family("react", "BBC News عربي", "https://bbc-ar.example", "Europe/London", "utf-8",
             ("الشرق الأوسط", "العالم", "اقتصاد", "علوم", "رياضة"), f.react),
    f.Family("consent", "العربي الحر", "https://alarabi-alhurr.example", "Asia/Beirut", "utf-8",
             ("سياسة", "اقتصاد", "ثقافة", "مجتمع", "رياضة"), f.consent),
    f.Family("jnews", "المرصد", "https://almarsad.example", "Asia/Amman", "utf-8",
             ("أخبار", "تقارير", "اقتصاد", "منوعات", "رياضة"), f.jnews),
    f.Family("portal", "بوابة النيل", "https://bawabat-alnil.example", "Africa/Cairo", "utf-8",
             ("أخبار مصر", "اقتصاد", "رياضة", "فن", "حوادث"), f.portal),
    f.Family("tagdiv", "شبكة الخبر", "https://alkhabar-net.example", "Asia/Baghdad", "utf-8",
             ("أخبار", "مقالات", "تقارير", "اقتصاد", "رياضة"), f.tagdiv),
    f.Family("oldtable", "الصباح الجديد", "http://alsabah-aljadeed.example", "Asia/Baghdad", "utf-8",
             ("محليات", "عربي ودولي", "رياضة", "اقتصاد", "ثقافة"), f.oldtable),
)
NO_IMAGE = ("aggregator", "legacy", "oldtable")
AUTHORS = ("محمد الغامدي", "سارة القحطاني", "خالد السبيعي", "ريم العتيبي", "فهد الدوسري", "نورة الشهري",
           "عبدالرحمن الزهراني", "هند المطيري")
TAGS = ("السعودية", "الرياض", "جدة", "الاقتصاد", "التعليم", "الصحة", "رمضان", "الخليج", "الطاقة", "الشباب")
DW_AGENCIES = (["د.ب.أ"], ["أ ف ب", "رويترز"], ["رويترز"], ["د.ب.أ", "أ ف ب"], [])
# (text printed on the page, how far before the fetch time the story was published)
RELATIVE = (("منذ ساعتين", timedelta(hours=2)), ("منذ ۳ ساعات", timedelta(hours=3)),
            ("قبل 45 دقيقة", timedelta(minutes=45)), ("أمس ١٠:٣٠ م", None), ("منذ يومين", timedelta(days=2)))


def _teaser(paragraph: str, limit: int = 120) -> str:
    return paragraph if len(paragraph) <= limit else paragraph[:limit].rsplit(" ", 1)[0] + " …"


def _article(fam: f.Family, v: int, idx: int, text: dict, others: list[dict]) -> GoldArticle:
    tz = ZoneInfo(fam.timezone)
    base = datetime.fromisoformat(text["extracted"]).replace(tzinfo=tz, second=0)
    published = base - timedelta(minutes=(idx * 53) % 600)
    if fam.name in ("legacy", "oldtable"):
        published = published.replace(hour=0, minute=0)
    fetched = published + timedelta(hours=3, minutes=idx)
    relative_date = ""
    if fam.name == "relative":
        relative_date, back = RELATIVE[v]
        if back is None:  # «أمس ١٠:٣٠ م»: 22:30 the day before the fetch
            published = published.replace(hour=22, minute=30)
            fetched = published.replace(hour=9, minute=15) + timedelta(days=1)
        else:
            published = fetched - back
    modified = published + timedelta(hours=2) if v % 2 == 0 and fam.name in ("jannah", "dw", "sana", "amp",
                                                                                "jsonld") else None
    if fam.name == "jannah" and modified is None:
        modified = published
    path = {"jannah": f"/archives/{51000 + idx}", "dw": f"/ar/story-{idx}/a-{39000000 + idx * 17}",
            "sana": f"/?p={120000 + idx}", "aggregator": f"/news/{8000 + idx}.html",
            "amp": f"/amp/news/{33000 + idx}", "legacy": f"/news.php?id={4400 + idx}",
            "jsonld": f"/n/{idx}-{fam.sections[v]}", "comments": f"/news/{61000 + idx}",
            "relative": f"/s/{70000 + idx}", "react": f"/arabic/middleeast-{33400000 + idx}",
            "consent": f"/news/{2015}/7/{idx}/story", "jnews": f"/{1500 + idx}/", "portal": f"/Story/{2200000 + idx}",
            "tagdiv": f"/{2015}/07/{idx}/post-{idx}/", "oldtable": f"/news.php?id={9100 + idx}"}[fam.name]
    url = fam.base_url + path
    paragraphs = list(text["paragraphs"])
    authors: list[str] = []
    if fam.name in ("dw", "amp", "legacy", "comments", "react", "jnews", "tagdiv") and v % 2 == 0:
        authors = [AUTHORS[idx % len(AUTHORS)]]
    if fam.name == "jsonld":
        authors = [AUTHORS[idx % len(AUTHORS)], AUTHORS[(idx + 3) % len(AUTHORS)]][: 1 + v % 2]
    agencies = {"jannah": ["وكالات"] if v % 2 == 0 else [], "dw": DW_AGENCIES[v], "sana": ["سانا"],
                "aggregator": ["د.ب.أ"] if v % 2 == 0 else []}.get(fam.name, [])
    return GoldArticle(
        key=f"{fam.name}-{v + 1}", family=fam.name, url=url, title=text["title"], paragraphs=paragraphs,
        published=published, modified=modified, fetched=fetched, section=fam.sections[v], authors=authors,
        agencies=agencies,
        original_source={"aggregator": "DW", "comments": "Sky News Arabia" if v % 2 else ""}.get(fam.name, ""),
        tags=[TAGS[(idx + k * 3) % len(TAGS)] for k in range(3)],
        image="" if fam.name in NO_IMAGE else f"{fam.base_url}/uploads/2015/07/img-{idx}.jpg",
        canonical_url=fam.base_url + f"/news/{33000 + idx}" if fam.name == "amp" else url,
        subtitle=paragraphs[0] if fam.name in ("dw", "jsonld", "consent") else "",
        related=[(o["title"], _teaser(o["paragraphs"][0])) for o in others],
        variant=v, relative_date=relative_date,
    )


def _profile(fam: f.Family) -> dict:
    host = urlsplit(fam.base_url).hostname
    return {"id": f"gold-{fam.name}", "name_ar": fam.site, "name_en": f"Gold set: {fam.name}", "country": "SA",
            "base_url": fam.base_url, "allowed_domains": [host], "article_patterns": [r"^https?://"],
            "feeds": ["/feed/"], "timezone": fam.timezone}


def _expected(a: GoldArticle) -> dict:
    return {
        "title": a.title, "subtitle": a.subtitle, "text": "\n".join(a.paragraphs),
        "published": a.published.isoformat(), "modified": a.modified.isoformat() if a.modified else None,
        "section": "" if a.family == "react" else a.section,  # shown only as a topic link there
        "authors": a.authors, "agencies": a.agencies, "original_source": a.original_source,
        "tags": a.tags if a.family in ("jannah", "jsonld", "jnews") else [],  # only where machine-readable
        "canonical_url": a.canonical_url, "image": a.image, "language": "ar",
    }


def _write(key: str, body: bytes, meta: dict) -> None:
    (PAGES / f"{key}.html").write_bytes(body)
    (PAGES / f"{key}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _seed_pages() -> int:
    """The two seed articles exactly as the sample sites serve them, with the sample profiles."""
    from akhbar.sources import all_profiles
    from samples import default_base_urls
    from samples.catalog import catalog
    from samples.router import body_bytes

    profiles = all_profiles()
    count = 0
    for art in catalog():
        if "seed" not in art.flags or art.site == "dw":
            continue
        _, headers, body = body_bytes(art.site, art.url_path)
        url = art.url(default_base_urls())
        fetched = art.published_dt + timedelta(days=1)
        profile = profiles[f"sample-{art.site}"]
        chrome = ["زر الذهاب إلى الأعلى", "اقرأ أيضاً", "صحيفة الوطن", "هذا المحتوى من موقع دوتش فيل",
                  "اضغط هنا لعرض الموضوع بالكامل", "الأكثر قراءة", "أرسل لصديق", "| الوطن – وكالات"]
        _write(f"seed-{art.site}", body, {
            "key": f"seed-{art.site}", "family": f"seed-{art.site}", "url": url, "source": profile.id,
            "profile": profile.to_dict(), "content_type": headers.get("Content-Type", ""),
            "fetched": fetched.isoformat(),
            "expected": {"title": art.title, "subtitle": "", "text": art.text, "published": art.published,
                         "modified": art.modified or None, "section": art.section, "authors": list(art.authors),
                         "agencies": list(art.agencies), "original_source": "DW" if art.republished_from else "",
                         "tags": list(art.tags) if art.site == "watan" else [], "canonical_url": url, "image": "",
                         "language": "ar"},
            "boilerplate": [c for c in chrome if c not in art.text],
        })
        count += 1
    return count


def build() -> int:
    texts = json.loads(TEXTS.read_text(encoding="utf-8"))
    if len(texts) < 5 * len(FAMILIES):
        raise SystemExit(f"{TEXTS} has {len(texts)} texts; {5 * len(FAMILIES)} needed")
    shutil.rmtree(PAGES, ignore_errors=True)
    PAGES.mkdir()
    count = 0
    for fi, fam in enumerate(FAMILIES):
        for v in range(5):
            idx = fi * 5 + v
            others = [texts[(idx + 7 + k * 5) % len(texts)] for k in range(20)]
            art = _article(fam, v, idx, texts[idx], others)
            page, chrome = fam.render(art)
            content_type = "text/html" if fam.charset != "utf-8" and v % 2 == 0 else f"text/html; charset={fam.charset}"
            expected = _expected(art)
            _write(art.key, page.encode(fam.charset, "xmlcharrefreplace"), {
                "key": art.key, "family": fam.name, "url": art.url, "source": f"gold-{fam.name}",
                "profile": _profile(fam), "content_type": content_type, "fetched": art.fetched.isoformat(),
                "origin": texts[idx]["origin_url"], "expected": expected,
                "boilerplate": sorted({c for c in chrome if c and c not in expected["text"]}),
            })
            count += 1
    return count + _seed_pages()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__).parse_args(argv)
    print(f"{build()} gold pages -> {PAGES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
