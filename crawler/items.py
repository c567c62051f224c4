"""What the spider hands to the item pipelines: a fetched article page, not yet extracted, or what
``akhbar check-live`` found a page to be."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.record import WarcPointer
from index.liveness import LiveState


@dataclass
class FetchedPage:
    url: str
    source: str
    body: bytes  # entity body after Content-Encoding was undone (the WARC keeps the raw bytes)
    content_type: str
    status: int
    fetched: str  # ISO 8601 UTC, same instant as the WARC-Date of the capture
    warc: WarcPointer = field(default_factory=dict)


@dataclass
class LiveCheck:
    """A reading of an archived article's page (``index.liveness``), for the index to record."""

    url: str
    state: LiveState
