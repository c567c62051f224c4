"""Which zone a record's dates are written in: the page's own offset when it states one, so the
calendar day is the page's; a CMS's UTC stamp in the source's zone; the source's zone for dates
written without an offset."""

from __future__ import annotations

import pytest

from crawler.profiles import profile_from_dict
from pipelines.capture import article_from_capture
from tests.test_boilerplate_learning import STORIES

RIYADH = profile_from_dict({"id": "x", "name_ar": "موقع", "name_en": "X", "country": "SA", "timezone": "Asia/Riyadh",
                            "base_url": "https://x.example", "allowed_domains": ["x.example"],
                            "article_patterns": ["^https://x.example/"], "feeds": ["/feed"]})


def _published(stamp: str, profile=None) -> str | None:
    page = (f'<html lang="ar"><head><title>خبر</title><meta property="article:published_time" content="{stamp}">'
            f"</head><body><article><h1>خبر</h1><p>{STORIES[0]}</p><p>{STORIES[1]}</p></article></body></html>")
    return article_from_capture(page.encode(), "https://x.example/1", profile, content_type="text/html",
                                fetched="2024-06-01T00:00:00Z")["published"]


@pytest.mark.parametrize("profile", [None, RIYADH])
def test_a_stated_offset_is_kept_so_the_day_stays_the_pages(profile):
    # 01:30 in Abu Dhabi is the evening before in UTC and in Riyadh: the record keeps the page's day
    assert _published("2024-03-01T01:30:00+04:00", profile) == "2024-03-01T01:30:00+04:00"
    assert _published("2024-03-01T23:30:00+02:00", profile) == "2024-03-01T23:30:00+02:00"


def test_a_utc_stamp_reads_in_the_sources_zone_and_stays_utc_without_a_profile():
    assert _published("2024-02-29T22:30:00Z", RIYADH) == "2024-03-01T01:30:00+03:00"
    assert _published("2024-02-29T22:30:00Z") == "2024-02-29T22:30:00+00:00"


def test_a_date_without_offset_takes_the_sources_zone():
    assert _published("2024-03-01T10:00:00", RIYADH) == "2024-03-01T10:00:00+03:00"
    assert _published("2024-03-01T10:00:00") == "2024-03-01T10:00:00+00:00"
