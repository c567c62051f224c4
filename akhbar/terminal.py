"""What the CLI prints for people at a terminal: the two consoles, the search results, progress.

Everything here that came from an archived page or a hostile site goes through ``safe`` (control
sequences stripped, rich markup escaped). Shared by the commands (``akhbar.cli``) and the demo.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from core.text import terminal_safe

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_MARK = re.compile(r"<mark>(.*?)</mark>")


def safe(value: object) -> str:
    """Archived text for the terminal: control sequences stripped, rich markup escaped."""
    return escape(terminal_safe(str(value)))


def terminal_snippet(snippet: str) -> str:
    parts = _MARK.split(snippet)
    return "".join(f"[bold yellow]{safe(html.unescape(p))}[/]" if i % 2 else safe(html.unescape(p))
                   for i, p in enumerate(parts))


# Shown under a result that lacks some of the query's words (forgiving matching ranks it lower).
MISSING_LABEL = "لم تُطابَق الكلمة"


def counted(n: int, one: str, two: str, plural: str, singular: str) -> str:
    """``n`` of a noun as Arabic grammar wants it: the noun alone for one and two («نسخة واحدة»,
    «نسختان»), its plural after 3 to 10 («3 نسخ»), its singular after the rest («11 نسخة»)."""
    if n == 1:
        return one
    if n == 2:
        return two
    return f"{n} {plural}" if 3 <= n % 100 <= 10 else f"{n} {singular}"


def also_published(copies: list[dict], names: dict[str, str] | None = None) -> str:
    """«نُشر أيضاً في موقعين: …» — the other outlets of a story (by ``names`` where given)."""
    outlets = list(dict.fromkeys((names or {}).get(c.get("source") or "", c.get("source") or "?") for c in copies))
    where = counted(len(outlets), "موقع واحد", "موقعين", "مواقع", "موقعاً")
    return f"نُشر أيضاً في {where}: {'، '.join(outlets)}"


def print_results(page, text: str) -> None:
    """Ranked results with the highlighted snippet, for people at a terminal."""
    folded = " (one result per story: copies listed under it)" if page.query.collapse else ""
    out.print(f"[bold]{page.total}[/] result(s) for «{safe(text)}»{folded}")
    first = (page.query.page - 1) * page.query.per_page + 1
    for rank, hit in enumerate(page.hits, start=first):
        a = hit.article
        out.print(f"\n[bold]{rank}. {safe(a.get('title', ''))}[/]")
        out.print(f"   [dim]{safe(a.get('source', ''))} · {safe(a.get('published') or 'no date')} · "
                  f"{safe(a.get('url', ''))}[/]")
        out.print("   " + terminal_snippet(hit.snippet))
        if hit.missing:
            out.print(f"   [dim]{MISSING_LABEL}: {safe('، '.join(hit.missing))}[/]")
        if hit.copies:
            out.print(f"   [dim]{safe(also_published(hit.copies))}[/]")


@contextmanager
def reindex_progress(console: Console = err, every: float = 10.0) -> Iterator[Callable[[int, int], None]]:
    """A progress callback for ``akhbar reindex``: a bar on a terminal; elsewhere (cron, CI logs) a
    line every ``every`` seconds, so a rebuild of a large archive says how far it is."""
    if console.is_terminal:
        with Progress(TextColumn("reindexing"), BarColumn(), MofNCompleteColumn(), TextColumn("captures"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task("reindex", total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    started = last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            console.print(f"reindexing: {done:,} of {total:,} captures ({done / (now - started):,.0f}/s)")

    yield report


def _pct(share: float) -> str:
    return f"{share:.0%}"


def print_health(report) -> None:
    """``akhbar sources --health``: one line per crawled source (an ``akhbar.health.HealthReport``),
    then each alarm on its own line, so a cron mail says at once what broke."""
    from rich import box
    from rich.table import Table

    # 80 columns: short headers; neither the source id nor the status may be cut
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    widths = {"source": max([6, *(len(s.id) for s in report.sources)]),
              "status": max([6, *(len((s.last_crawl or {}).get("status", "")) for s in report.sources)])}
    for col in ("source", "last crawl", "status", "new", "empty", "no date", "no auth", "errs", "alarms"):
        table.add_column(col, justify="left" if col in ("source", "last crawl", "status") else "right",
                         no_wrap=True, min_width=widths.get(col))
    for s in report.sources:
        rate = s.http_error_rate
        table.add_row(safe(s.id), (s.last_crawl or {}).get("time", "never")[5:16].replace("T", " ") or "never",
                      safe((s.last_crawl or {}).get("status", "—")), str(sum(d["count"] for d in s.articles_per_day)),
                      _pct(s.empty_body_share), _pct(s.missing_date_share), _pct(s.missing_author_share),
                      _pct(rate["4xx"] + rate["5xx"] + rate["network"]),
                      f"[bold red]{len(s.alarms)}[/]" if s.alarms else "0")
    if not report.sources:
        out.print("no source has been crawled yet (see `akhbar crawl`)")
        return
    out.print(table)
    alarms = [(s.id, a) for s in report.sources for a in s.alarms]
    for source, alarm in alarms:
        out.print(f"[bold red]ALARM[/] {safe(source)} {alarm.kind}: {safe(alarm.message)}")
    if not alarms:
        out.print("no alarm")
