"""Connecting a component's handlers to the crawl's signals, by signal name.

Every Akhbar component is built by ``from_crawler`` and listens to a few of Scrapy's signals;
``on_signals(crawler, spider_opened=self.open, ...)`` says which in one line, and an unknown name
fails at once instead of never firing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from crawler import keys

T = TypeVar("T")


def on_signals(crawler: Crawler, component: T, **handlers: Callable[..., Any]) -> T:
    """Connect each handler to the Scrapy signal of its keyword's name; returns ``component``."""
    for name, handler in handlers.items():
        signal = getattr(signals, name, None)
        if signal is None:
            raise ValueError(f"no Scrapy signal named {name!r}")
        crawler.signals.connect(handler, signal=signal)
    return component


def stop_crawl(crawler: Crawler, reason: str, message: str) -> None:
    """Stop the crawl on an error that makes going on pointless or harmful (the archive or the
    fetch log cannot be written, the worker id is taken): the message goes into the stats, which
    the report and ``akhbar crawl``'s exit status read, and the spider closes with ``reason`` (not
    "finished", so a frontier worker hands back what it holds)."""
    crawler.stats.set_value(keys.FATAL, message)
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
