"""What reaches the terminal: control sequences stripped, library noise demoted, the report readable.

The crawl-level behaviour (one line per event, no escape sequence in a real crawl's output) is in
``tests/test_faults.py``; these pin the pieces with real ``logging`` handlers and a real rich console.
"""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from akhbar.crawl import SourceReport, _table, crawl_failed
from core.text import terminal_safe
from crawler.console import install, take_retries


@pytest.mark.parametrize(("raw", "single", "multi"), [
    ("text/html\x1b]0;pwned\x07 ok", "text/html ok", "text/html ok"),  # OSC: window title
    ("a\x1b[2J\x1b[31mb", "ab", "ab"),  # CSI: clear screen, colour
    ("x\x9b6ny", "xy", "xy"),  # the one-character CSI (cursor position report)
    ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link", "link"),  # OSC 8 hyperlink, ST-terminated
    ("one\ntwo\r\x00three\tfour", "one two three four", "one\ntwo three\tfour"),
    ("مرحبا\u200fبكم", "مرحبا\u200fبكم", "مرحبا\u200fبكم"),  # Arabic and its RLM are text
    ("cut\x1b", "cut", "cut"),
])
def test_terminal_safe(raw, single, multi):
    assert terminal_safe(raw) == single
    assert terminal_safe(raw, multiline=True) == multi


@pytest.fixture
def console_log():
    """A real handler on a real logger tree, fitted as the crawl fits Scrapy's root handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(levelname)s [%(name)s] %(message)s"))
    install(handler)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    take_retries()
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_library_internals_are_demoted_to_debug(console_log):
    logging.getLogger("trafilatura.external").warning("readability_lxml failed: %s", "boom")
    logging.getLogger("htmldate.core").warning("wrong date")
    logging.getLogger("scrapy.downloadermiddlewares.retry").error("Gave up retrying %s", "<GET x>")
    logging.getLogger("news").warning("article %s is %s", "http://x/a", "text/x-evil\x1b]0;t\x07")
    out = console_log.getvalue()
    assert "readability_lxml" not in out and "wrong date" not in out and "Gave up" not in out
    assert out == "WARNING [news] article http://x/a is text/x-evil\n"


def test_library_retries_are_counted_not_printed(console_log):
    log = logging.getLogger("elastic_transport.transport")
    for attempt in range(3):
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError:
            log.warning("Retrying request after failure (attempt %d of 3)", attempt, exc_info=True)
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2)) after connection broken")
    assert console_log.getvalue() == ""
    assert take_retries() == {"elastic_transport": 3, "urllib3": 1}
    assert take_retries() == {}


def test_network_failures_lose_their_traceback(console_log):
    from scrapy.exceptions import DownloadConnectionRefusedError

    try:
        raise DownloadConnectionRefusedError("Connection was refused by other side")
    except DownloadConnectionRefusedError as exc:
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").error("Error downloading %s: %s", "<GET r>",
                                                                        exc, exc_info=True)
    try:
        raise KeyError("a bug of ours")
    except KeyError:
        logging.getLogger("pipelines.extract").exception("extraction failed")
    out = console_log.getvalue()
    assert "Error downloading <GET r>: Connection was refused by other side\n" in out
    assert out.count("Traceback") == 1 and "KeyError" in out, "a real bug keeps its traceback"


def test_report_table_fits_80_columns_without_cutting_source_or_status():
    reports = [SourceReport("independent-arabia", 12345, 2345, 234, 12, 1234, articles_spooled=120, spool_pending=3,
                            errors={"timeout": 123}, finish_reason="closespider_pagecount"),
               SourceReport("sample-aggregator", finish_reason="warc_write_error"),
               SourceReport("sana-sy", finish_reason="finished")]
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(_table(reports, "crawl report"))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for word in ("independent-arabia", "sample-aggregator", "page limit", "warc_write_error", "finished", "12345",
                 "120/3"):
        assert word in text, word
    assert "…" not in text


def test_budgets_are_not_failures():
    assert not crawl_failed([SourceReport("a", finish_reason=r) for r in
                             ("finished", "closespider_timeout", "closespider_pagecount")])
    assert crawl_failed([SourceReport("a", finish_reason="already_running")])


def test_a_field_cannot_forge_a_log_line(console_log):
    logging.getLogger("news").warning("feed %s failed: %s", "http://x/f", "bad\nWARNING [news] all is well")
    logging.getLogger("scrapy.crawler").info("Overridden settings:\n%s", "{'A': 1,\n 'B': 2}")
    lines = console_log.getvalue().splitlines()
    assert lines[0] == "WARNING [news] feed http://x/f failed: bad WARNING [news] all is well"
    assert lines[1:] == ["INFO [scrapy.crawler] Overridden settings:", "{'A': 1,", " 'B': 2}"]
