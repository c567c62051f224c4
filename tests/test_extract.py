"""`akhbar extract` on the two seed-derived sample pages, through the real CLI in a subprocess."""

from __future__ import annotations

import json

import pytest

from samples import default_base_urls
from samples.catalog import find
from samples.router import body_bytes
from tests.conftest import akhbar

LEAKS = ("زر الذهاب إلى الأعلى", "صحيفة الوطن", "هذا المحتوى من موقع دوتش فيل", "اضغط هنا لعرض الموضوع بالكامل",
         "اقرأ أيضاً", "الوسوم", "| الوطن – وكالات", "الأكثر قراءة", "جميع الحقوق محفوظة")


def _extract(tmp_path, site: str, path: str) -> dict:
    _, headers, body = body_bytes(site, path)
    page = tmp_path / f"{site}.html"
    page.write_bytes(body)
    url = default_base_urls()[site].rstrip("/") + path
    proc = akhbar("extract", str(page), "--url", url, "--content-type", headers["Content-Type"], "--json",
                  "--all-fields")
    return json.loads(proc.stdout)


@pytest.mark.parametrize(("site", "path", "section", "agencies", "original"), [
    ("watan", "/archives/43127", "سورية", ["وكالات"], ""),
    ("aggregator", "/news/5120.html", "أخبار عربية", ["د.ب.أ"], "DW"),
])
def test_seed_page(tmp_path, site, path, section, agencies, original):
    art = find(site, path)
    record = _extract(tmp_path, site, path)
    assert record["title"] == art.title
    assert record["text"] == art.text, "clean text: exactly the story paragraphs"
    for leak in LEAKS:
        assert leak not in record["text"]
    assert record["published"] == art.published
    assert record["date_source"] in ("meta:article:published_time", "visible")
    assert record["section"] == section
    assert record["agencies"] == agencies
    assert record["original_source"] == original
    assert record["language"] == "ar"


def test_watan_seed_metadata(tmp_path):
    record = _extract(tmp_path, "watan", "/archives/43127")
    assert record["tags"] == list(find("watan", "/archives/43127").tags)
    assert record["authors"] == []  # «الوطن» in the byline is the paper
    assert record["canonical_url"].endswith("/archives/43127")
