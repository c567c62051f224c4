"""A small local web of three Arabic news sites served on 127.0.0.1.

They stand in for the real web in the demo, the tests and the benchmarks: each site has its own
template family, robots.txt, feed, sitemaps and paginated section pages, plus the edge cases a
crawler meets in the wild (malformed HTML, a PDF at an article URL, windows-1256, gzip).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
SITES_DIR = PACKAGE_DIR / "sites"
SITE_NAMES: tuple[str, ...] = ("watan", "dw", "aggregator")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORTS: dict[str, int] = {"watan": 8701, "dw": 8702, "aggregator": 8703}


def sources_dir() -> Path:
    """Directory of the source profiles that describe the sample sites (ids ``sample-*``)."""
    return PACKAGE_DIR / "sources"


def default_base_urls(host: str = DEFAULT_HOST) -> dict[str, str]:
    """Base URLs of the sites on their default ports, as the bundled profiles expect them."""
    return {site: f"http://{host}:{port}" for site, port in DEFAULT_PORTS.items()}
