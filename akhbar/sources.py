"""Which source profiles the application knows: the bundled real ones, the sample sites', and any
directories named in ``AKHBAR_SOURCES`` (``os.pathsep``-separated).

The application reads the environment here, once; the crawl gets the list as the
``AKHBAR_SOURCES_DIRS`` setting (``akhbar.crawl.build_settings``), so the spider never reads the
environment itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from crawler.profiles import SOURCES_DIR, SourceProfile, load_profiles
from samples import sources_dir


def sources_dirs() -> list[Path]:
    """Bundled real profiles, bundled sample-site profiles, then ``AKHBAR_SOURCES``."""
    extra = [Path(p) for p in os.environ.get("AKHBAR_SOURCES", "").split(os.pathsep) if p]
    return [SOURCES_DIR, sources_dir(), *extra]


def all_profiles() -> dict[str, SourceProfile]:
    """Every known profile by id (a later directory's profile of the same id wins)."""
    return load_profiles(sources_dirs())
