"""The ``akhbar`` command: crawl, search, replay, reindex, extract, and the sample-site demo.

Each command imports what it needs when it runs, so ``akhbar --help`` or ``akhbar search`` does not
load Scrapy, Twisted or the web stack (the import contract, docs/architecture.md, checks those
imports like any other).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

from rich.markup import escape

from akhbar.paging import MAX_PAGE, MAX_PER_PAGE
from akhbar.sources import all_profiles
from akhbar.terminal import err, out, print_results
from core.config import DataDir, DataDirError
from core.text import terminal_safe
from index.backends import BACKENDS, BackendSettingError
from index.liveness import STATUSES


# -- sources / crawl ------------------------------------------------------------------------------
def cmd_sources(args: argparse.Namespace) -> int:
    if args.health or args.check:
        return cmd_health(args)
    profiles = all_profiles()
    if args.json:
        print(json.dumps([p.to_dict() for p in profiles.values()], ensure_ascii=False, indent=2))
        return 0
    for p in profiles.values():
        flag = "verified" if p.verified else "unverified"
        out.print(f"{p.id:22} {p.country:3} {flag:10} {p.name_en} — {p.name_ar}  {p.base_url}")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """``akhbar sources --health``: each crawled source's health and drift alarms (``akhbar.health``);
    with ``--check`` the exit code says whether any alarm is raised (1) or none (0)."""
    from akhbar.health import HealthSettings, HealthSettingsError, source_health
    from akhbar.terminal import print_health
    from index.backends import BackendConfig, open_backend

    try:
        settings = HealthSettings.from_env()
    except HealthSettingsError as exc:
        return fail("sources", str(exc), 2)
    data = DataDir.from_env(args.data)
    config = BackendConfig.from_settings(os.environ)
    backend = open_backend(config.name, data, es=config.es) if data.root.is_dir() else None
    try:
        report = source_health(data, backend, all_profiles(), settings)
    except Exception as exc:  # noqa: BLE001 - each backend has its own errors; all mean "index down"
        return fail("sources", f"the search index cannot be read ({type(exc).__name__}: {exc})", 1)
    finally:
        if backend is not None:
            backend.close()
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_health(report)
    return 1 if args.check and report.alarmed else 0


def _select_profiles(names: list[str], base_urls: list[str]) -> list:
    profiles = all_profiles()
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise SystemExit(f"unknown source(s): {', '.join(unknown)}; see `akhbar sources`")
    chosen = [profiles[n] for n in names]
    moves = dict(item.split("=", 1) for item in base_urls)
    return [p.with_base_url(moves[p.id]) if p.id in moves else p for p in chosen]


def _source_names(args: argparse.Namespace, verb: str) -> list[str]:
    """The sources named on the command line, or with ``--all`` every bundled real one."""
    names = args.sources or ([p for p in all_profiles() if not p.startswith("sample-")] if args.all else [])
    if not names:
        raise SystemExit(f"name the sources to {verb} (see `akhbar sources`), or --all")
    return names


def cmd_crawl(args: argparse.Namespace) -> int:
    from akhbar.crawl import crawl_failed, run_crawl

    names = _source_names(args, "crawl")
    profiles = _select_profiles(names, args.base_url)
    overrides = dict(item.split("=", 1) for item in args.set)
    if args.frontier:  # a distributed crawl: one worker of many (docs/deployment.md)
        from akhbar.crawl import frontier_overrides

        overrides.update(frontier_overrides(args.frontier, args.worker_id))
    reports = run_crawl(profiles, DataDir.from_env(args.data).ensure(), progress=not args.no_progress,
                        max_articles=args.max_articles, overrides=overrides,
                        discover=args.discover.split(",") if args.discover else None)
    return 1 if crawl_failed(reports) else 0


def cmd_check_live(args: argparse.Namespace) -> int:
    """Ask again for archived articles (``crawler.spiders.liveness``) and report per source what
    became of them; ``akhbar history URL`` then shows each one's standing."""
    from akhbar.crawl import crawl_failed, run_crawl
    from crawler.spiders.liveness import OUTCOMES, LivenessSpider

    names = _source_names(args, "check")
    overrides = {**dict(item.split("=", 1) for item in args.set), "AKHBAR_CHECK_LIVE_MAX": str(args.limit)}
    reports = run_crawl(_select_profiles(names, args.base_url), DataDir.from_env(args.data).ensure(),
                        progress=not args.no_progress, overrides=overrides, spider=LivenessSpider)
    for r in reports:
        counts = ", ".join(f"{k} {r.liveness.get(k, 0)}" for k in OUTCOMES[1:])
        out.print(f"{r.source}: checked {r.liveness.get('checked', 0)} — {counts}", markup=False, highlight=False)
    return 1 if crawl_failed(reports) else 0


# -- search ---------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace) -> int:
    from index.backends import BackendConfig, open_backend
    from index.base import SearchQuery
    from index.story_search import copy_summary, search_stories

    config = BackendConfig.from_settings(os.environ)
    query = SearchQuery(text=args.query, sources=args.source or [], section=args.section or "",
                        agency=args.agency or "", since=args.since or "", until=args.until or "",
                        status=args.status or "", original_source=args.original_source or "",
                        collapse=not args.all_copies, sort=args.sort, page=args.page,
                        per_page=args.limit)
    backend = open_backend(args.backend or config.name, DataDir.from_env(args.data), es=config.es)
    try:
        page = search_stories(backend, query)
    except (ValueError, OverflowError) as exc:  # --since/--until unparseable or past the calendar's ends
        return fail("search", str(exc), 2)
    finally:
        backend.close()
    if args.json:
        print(json.dumps({"total": page.total, "page": query.page, "per_page": query.per_page,
                          "hits": [{**h.article, "score": h.score, "snippet": h.snippet, "missing": h.missing,
                                    "copies": [copy_summary(c) for c in h.copies]}
                                   for h in page.hits]},
                         ensure_ascii=False, indent=2))
        return 0
    print_results(page, args.query)
    return 0


# -- archive --------------------------------------------------------------------------------------
def cmd_replay(args: argparse.Namespace) -> int:
    """Exit 2 for what the user asked wrongly (not archived, --at not a time), 1 for a capture that
    is there but cannot be given back (damaged record, payload past the size limit)."""
    from core.archive import BadTimestamp, NotArchived, UnreadableRecord, replay

    try:
        rep = replay(args.url, DataDir.from_env(args.data), at=args.at, decode=not args.raw)
    except (NotArchived, BadTimestamp) as exc:
        return fail("replay", str(exc), 2)
    except UnreadableRecord as exc:
        return fail("replay", str(exc), 1)
    except OSError as exc:  # the WARC file the CDXJ names is gone or unreadable
        return fail("replay", f"cannot read the archive: {exc}", 1)
    body = rep.raw if args.raw else rep.body
    err.print(f"[dim]capture {rep.capture.timestamp} of {escape(rep.capture.url)}: {escape(rep.status_line)}, "
              f"{len(body)} bytes ({'as sent' if args.raw else 'content-decoded'}) from "
              f"{escape(rep.capture.filename)}@{rep.capture.offset}[/]")
    if args.output:
        try:
            Path(args.output).write_bytes(body)
        except OSError as exc:
            return fail("replay", f"cannot write {args.output}: {exc.strerror or exc}", 1)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    return 0


def cmd_captures(args: argparse.Namespace) -> int:
    from core.archive import find_captures

    caps = find_captures(args.url, DataDir.from_env(args.data))
    for c in caps:
        fields = (c.timestamp, c.status, c.mime, c.digest, c.filename, c.offset, c.length)
        print(" ".join(terminal_safe(str(f)) for f in fields))
    return 0 if caps else 2


def cmd_history(args: argparse.Namespace) -> int:
    """The article's versions and the page's standing (``akhbar.history``); ``--diff A B`` prints a
    word-level diff of two versions, extracted again from their WARC records."""
    from akhbar.history import NoSuchVersion, diff, history
    from core.decoding import UnreadableRecord
    from index.backends import BackendConfig, open_backend

    data = DataDir.from_env(args.data)
    config = BackendConfig.from_settings(os.environ)
    backend = open_backend(args.backend or config.name, data, es=config.es)
    try:
        article = backend.get(args.url)
    finally:
        backend.close()
    shape = history(args.url, data, article)
    if args.diff:
        try:
            a, b, runs = diff(data, shape, *args.diff)
        except NoSuchVersion as exc:
            return fail("history", str(exc), 2)
        except (OSError, UnreadableRecord, ValueError) as exc:
            return fail("history", f"a version's WARC record cannot be read: {exc}", 1)
        marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
        if args.json:
            print(json.dumps({"url": shape["url"], "a": a, "b": b,
                              "diff": [{"op": op, "text": text} for op, text in runs]},
                             ensure_ascii=False, indent=2))
        else:
            # wdiff's marks around a run's words; the whitespace after them stays outside
            out.print("".join(marks[op].format(terminal_safe(text.rstrip())) + text[len(text.rstrip()):]
                              for op, text in runs), markup=False, highlight=False)
        return 0
    if args.json:
        print(json.dumps(shape, ensure_ascii=False, indent=2))
        return 0 if article or shape["status"] != "unknown" else 2
    if article is None and shape["status"] == "unknown":
        return fail("history", f"{args.url} is neither indexed nor archived", 2)
    extra = shape["removed_since"] or shape["redirected_to"] or ""
    out.print(f"{terminal_safe(shape['url'])}: {shape['status']} {terminal_safe(extra)}".rstrip(),
              markup=False, highlight=False)
    for n, v in enumerate(shape["versions"], start=1):
        out.print(f"  {n}. {v['timestamp']}  +{v['added']} -{v['removed']}  {terminal_safe(v['title'])}",
                  markup=False, highlight=False)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    """The merged capture index from the CDXJ files (seconds), then — unless ``--captures`` — the
    search index from the WARC files."""
    from akhbar.reindex import reindex
    from akhbar.terminal import reindex_progress
    from core.capture_index import IndexUnavailable, for_cdx

    data = DataDir.from_env(args.data)
    try:
        files, captures = for_cdx(data.ensure().cdx).rebuild()
    except IndexUnavailable as exc:
        return fail("reindex", str(exc), 1)
    out.print(f"capture index rebuilt from {files} CDXJ files: {captures} captures")
    if args.captures:
        return 0
    with reindex_progress(err) as progress:
        counts = reindex(data, args.backend, workers=_workers(args.workers), progress=progress)
    out.print("reindexed from WARC: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 1 if counts.get("index_failed") else 0


def _workers(given: int | None) -> int | None:
    """``--workers``, else ``$AKHBAR_EXTRACT_WORKERS`` (as the crawl reads it), else None: one per core."""
    if given is not None:
        return given
    value = os.environ.get("AKHBAR_EXTRACT_WORKERS", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise SystemExit(f"AKHBAR_EXTRACT_WORKERS={value!r} is not a whole number of worker processes")
    return int(value)


def _read_page(path: str, encoding: str | None) -> bytes:
    """A saved page, at most the crawl's size limit, its Content-Encoding undone by the same
    bounded decoder as replay (``--content-encoding``, or gzip recognized by its magic bytes, as
    ``replay --raw`` saves it). Raises OSError (unreadable) or PayloadTooLarge."""
    from core.decoding import MAX_PAYLOAD, PayloadTooLarge, decode_content, limit_text

    with open(path, "rb") as fh:
        raw = fh.read(MAX_PAYLOAD + 1)
    if len(raw) > MAX_PAYLOAD:
        raise PayloadTooLarge(f"{path} is over {limit_text(MAX_PAYLOAD)}")
    if encoding is None and raw[:3] == b"\x1f\x8b\x08":
        encoding = "gzip"
    return decode_content(raw, encoding or "")


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.profiles import profile_for_url
    from pipelines.boilerplate_learning import BoilerplateStore
    from pipelines.capture import NotAnArticle, article_from_capture

    profiles = all_profiles()
    if args.source and args.source not in profiles:
        return fail("extract", f"unknown source {args.source!r}; see `akhbar sources`", 2)
    profile = profiles[args.source] if args.source else profile_for_url(args.url, profiles)
    try:
        body = _read_page(args.file, args.content_encoding)
    except OSError as exc:  # PayloadTooLarge is one too
        reason = exc.strerror if exc.strerror else str(exc)
        return fail("extract", f"cannot read {args.file}: {reason}" if exc.strerror else reason, 2)
    try:
        learned = BoilerplateStore(DataDir.from_env(args.data).boilerplate).get(profile.id) \
            if profile else None
        # a file has no header to judge unless --content-type gives one; its bytes are judged anyway
        article = article_from_capture(body, args.url, profile, content_type=args.content_type or None,
                                       learned=learned)
    except NotAnArticle as exc:
        return fail("extract", f"{args.file}: {exc}", 2)
    keys = ("title", "text", "published", "authors", "section", "source", "url") if not args.all_fields \
        else tuple(article)
    record = {k: article.get(k) for k in keys}
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        for k, v in record.items():
            out.print(f"[bold]{k}[/]: {escape(terminal_safe(str(v), multiline=k == 'text'))}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from akhbar.schedule import ScheduleError, Scheduler, load_jobs

    data = DataDir.from_env(args.data).ensure()
    config = Path(args.config) if args.config else (data.root / "schedule.toml")
    try:
        jobs = load_jobs(config if config.exists() or args.config else None)
    except ScheduleError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        return 2
    profiles = all_profiles()

    def resolve(names: tuple[str, ...]) -> list[str]:
        if "*" in names:
            return [p for p in profiles if not p.startswith("sample-")]
        unknown = [n for n in names if n not in profiles]
        if unknown:
            raise SystemExit(f"schedule names unknown source(s): {', '.join(unknown)}")
        return list(names)

    scheduler = Scheduler(data, jobs, resolve)
    for job in jobs:
        resolve(job.sources)
    if args.once:
        ran = scheduler.run_due()
        out.print(f"ran: {', '.join(ran) or 'nothing was due'}")
        return 0
    out.print(f"scheduling {len(jobs)} job(s) from {config if config.exists() else 'the defaults'}; Ctrl-C stops")
    scheduler.forever()
    return 0


# -- export -------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    """``akhbar export jsonl|csv [QUERY] -o FILE``: every matching article, streamed (akhbar.export);
    ``akhbar export wacz OUT.wacz``: the archive or the matching articles' captures as a WACZ."""
    from index.backends import BackendConfig, open_backend
    from index.base import SearchQuery

    text = (args.query if args.format != "wacz" else args.text) or ""
    query = SearchQuery(text=text, sources=args.source or [], since=args.since or "", until=args.until or "")
    config = BackendConfig.from_settings(os.environ)
    data = DataDir.from_env(args.data)
    backend = open_backend(args.backend or config.name, data, es=config.es)
    try:
        if args.format == "wacz":
            return _export_wacz(backend, data, query, args)
        return _export_rows(backend, query, args)
    except (ValueError, OverflowError) as exc:  # --since/--until unparseable or past the calendar's ends
        return fail("export", str(exc), 2)
    finally:
        backend.close()


def _export_rows(backend, query, args: argparse.Namespace) -> int:
    from akhbar.export import export_lines

    lines = export_lines(args.format, backend.scan(query), bom=args.bom)  # ValueError before any output
    to_stdout = args.output in (None, "-")
    try:
        # closed by the ``with`` below; stdout's descriptor stays open (closefd=False)
        fh = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="", closefd=False) if to_stdout \
            else open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as exc:
        return fail("export", f"cannot write {args.output}: {exc.strerror or exc}", 1)
    rows = -1 if args.format == "csv" else 0  # the CSV header is not a row
    try:
        with fh:
            for line in lines:
                fh.write(line)
                rows += 1
    except BrokenPipeError:  # `akhbar export csv | head`: the reader had enough
        return 0
    except OSError as exc:
        return fail("export", f"cannot write {args.output or 'stdout'}: {exc.strerror or exc}", 1)
    if not to_stdout:
        err.print(f"[dim]{max(rows, 0)} articles → {escape(args.output)}[/]")
    return 0


def _export_wacz(backend, data: DataDir, query, args: argparse.Namespace) -> int:
    from akhbar.wacz_export import NothingToExport, WaczFailed, export_wacz

    if not Path(args.output).resolve().parent.is_dir():  # say so before reading the whole archive
        return fail("export", f"cannot write {args.output}: no such directory", 2)
    filtered = bool(query.text or query.sources or query.since or query.until)
    described = ", ".join(f"{k} {v}" for k, v in (("query", query.text), ("source", " ".join(query.sources)),
                                                   ("since", query.since), ("until", query.until)) if v)
    try:
        done = export_wacz(backend, data, Path(args.output), query, filtered=filtered,
                           description=described or "the whole archive")
    except NothingToExport as exc:
        return fail("export", str(exc), 2)
    except WaczFailed as exc:
        return fail("export", f"the WACZ could not be written: {exc}", 1)
    except OSError as exc:
        return fail("export", f"cannot write {args.output}: {exc.strerror or exc}", 1)
    err.print(f"[dim]{done.articles} articles, {done.records} WARC records "
              f"({len(done.whole)} whole files, {len(done.cut)} cut) → {escape(str(done.path))}[/]")
    return 0


# -- web ----------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web interface with uvicorn; loopback by default, since it has no authentication."""
    import uvicorn

    from akhbar.web import create_app
    from akhbar.web.app import allowed_hosts

    data = DataDir.from_env(args.data)
    hosts = allowed_hosts(args.allowed_host)
    out.print(f"serving {escape(str(data.root))} on http://{args.host}:{args.port}/  (Ctrl-C to stop); "
              f"Host names answered: {escape(', '.join(hosts))}")
    uvicorn.run(create_app(data, args.backend, hosts=hosts), host=args.host, port=args.port,
                log_level="info" if args.verbose else "warning")
    return 0


def cmd_eval_extract(args: argparse.Namespace) -> int:
    from akhbar.evaluate import evaluate, markdown_table, metadata_table

    report = evaluate(args.directory, repeat=args.repeat)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"{report['pages']} gold pages, {len(report['families'])} template families\n")
    print(markdown_table(report))
    print("\nakhbar metadata, exact match (on pages where the gold value is set):\n")
    print(metadata_table(report))
    print("\nbody F1 by family: " + ", ".join(f"{fam} {f1:.3f}" for fam, f1 in report["by_family"]["akhbar"].items()))
    for fail in report["failures"]:
        print(f"  {fail['key']}: F1 {fail['f1']} leaked {fail['leaked']} title {fail['title_ok']} "
              f"date {fail['date_ok']} wrong {sorted(fail['fields'])}")
    return 0


# -- demo / samples -------------------------------------------------------------------------------
def cmd_samples(args: argparse.Namespace) -> int:
    from samples.server import main as serve_samples

    return serve_samples(["--host", args.host, "--port-base", str(args.port_base)])


def cmd_demo(args: argparse.Namespace) -> int:
    from akhbar.demo import run_demo

    return run_demo(DataDir.from_env(args.data), query=args.query, progress=not args.no_progress)


def fail(command: str, message: str, code: int) -> int:
    """One line on stderr for an error the user can act on (no traceback); returns the exit code:
    2 for bad arguments or input, 1 for what went wrong while doing it."""
    err.print(f"[red]akhbar {command}: {escape(' '.join(message.split()))}[/]")
    return code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Argument errors as one line (exit 2), like every other error of the CLI."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_in(low: int, high: int):
    """An argparse type: an integer in [low, high], so ``--page 10**20`` is a usage error, not an
    overflow deep in the search backend."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low} and {high}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="akhbar", description="Arabic news crawler, archive and search")
    parser.add_argument("--data", help="data directory (default: $AKHBAR_DATA or ./akhbar-data)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sources", help="list source profiles, or with --health how each crawled one is doing")
    p.add_argument("--json", action="store_true")
    p.add_argument("--health", action="store_true",
                   help="per crawled source: last crawl, new articles, extraction quality, errors, drift alarms")
    p.add_argument("--check", action="store_true", help="with --health: exit 1 when any alarm is raised, else 0")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("crawl", help="crawl sources into the WARC archive and the index")
    p.add_argument("sources", nargs="*", help="source profile ids")
    p.add_argument("--all", action="store_true", help="every bundled real source")
    p.add_argument("--max-articles", type=int, default=0, help="per source (0 = profile/setting default)")
    p.add_argument("--base-url", action="append", default=[], metavar="ID=URL",
                   help="move a profile to another origin (sample sites on another port)")
    p.add_argument("--discover", metavar="KINDS", help="only these of feeds,sitemaps,sections (default: all)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy/Akhbar setting, e.g. -s DOWNLOAD_DELAY=2")
    p.add_argument("--no-progress", action="store_true", help="plain logs instead of the live table")
    p.add_argument("--frontier", metavar="redis://HOST:PORT/DB", default=os.environ.get("AKHBAR_FRONTIER"),
                   help="share one request queue and duplicate filter with other workers (docs/deployment.md)")
    p.add_argument("--worker-id", metavar="ID", default=os.environ.get("AKHBAR_WORKER_ID"),
                   help="this worker's name in its WARC files (default HOST-PID; with --frontier)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("check-live", help="ask again for archived articles: unchanged, changed, redirected, gone…")
    p.add_argument("sources", nargs="*", help="source profile ids")
    p.add_argument("--all", action="store_true", help="every bundled real source")
    p.add_argument("--limit", type=_int_in(1, 1_000_000), default=500,
                   help="URLs per source and run, the longest unchecked first (default 500)")
    p.add_argument("--base-url", action="append", default=[], metavar="ID=URL",
                   help="move a profile to another origin (sample sites on another port)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a Scrapy/Akhbar setting")
    p.add_argument("--no-progress", action="store_true", help="plain logs instead of the live table")
    p.set_defaults(func=cmd_check_live)

    p = sub.add_parser("schedule", help="run crawls on cron schedules until stopped")
    p.add_argument("--config", help="schedule TOML (default: DATA/schedule.toml, else built-in defaults)")
    p.add_argument("--once", action="store_true", help="run the jobs that are due now, then exit")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("search", help="search archived articles")
    p.add_argument("query")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p.add_argument("--section")
    p.add_argument("--agency")
    p.add_argument("--since", help="published on or after (YYYY-MM-DD)")
    p.add_argument("--until", help="published on or before (YYYY-MM-DD)")
    p.add_argument("--status", choices=STATUSES,
                   help="only articles whose page is in this state (check-live), or changed: edited since archived")
    p.add_argument("--original-source", help="only articles crediting this original publisher (e.g. سانا)")
    p.add_argument("--all-copies", action="store_true",
                   help="every copy of a story as its own result (default: one result per story)")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--page", type=_int_in(1, MAX_PAGE), default=1, help=f"1 to {MAX_PAGE}")
    p.add_argument("--limit", type=_int_in(1, MAX_PER_PAGE), default=10, help=f"results per page, 1 to {MAX_PER_PAGE}")
    p.add_argument("--backend", choices=BACKENDS,
                   help="default: $AKHBAR_BACKEND, else embedded")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("replay", help="print the archived body of a URL")
    p.add_argument("url")
    p.add_argument("--at", help="timestamp (YYYYMMDDhhmmss, any prefix); closest capture wins")
    p.add_argument("-o", "--output", help="write to FILE instead of stdout")
    p.add_argument("--raw", action="store_true", help="payload exactly as sent (keep Content-Encoding)")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("captures", help="list every capture of a URL")
    p.add_argument("url")
    p.set_defaults(func=cmd_captures)

    p = sub.add_parser("history", help="every version of an article and whether the page is still there")
    p.add_argument("url")
    p.add_argument("--json", action="store_true", help="the history as JSON (url, status, removed_since, "
                   "redirected_to, versions)")
    p.add_argument("--diff", nargs=2, type=int, metavar=("A", "B"),
                   help="word-level diff of versions A and B (1 the oldest, -1 the newest)")
    p.add_argument("--backend", choices=BACKENDS, help="default: $AKHBAR_BACKEND, else embedded")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("reindex", help="rebuild the capture index from the CDXJ files, the search index from the WARCs")
    p.add_argument("--backend", choices=BACKENDS,
                   help="default: $AKHBAR_BACKEND, else embedded")
    p.add_argument("--workers", type=_int_in(0, 256),
                   help="extraction processes (default: $AKHBAR_EXTRACT_WORKERS, else one per core; 0: none)")
    p.add_argument("--captures", action="store_true",
                   help="only rebuild the merged capture index from the CDXJ files (docs/capture-index.md)")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("extract", help="extract one HTML file as an article")
    p.add_argument("file")
    p.add_argument("--url", required=True)
    p.add_argument("--source", help="profile id (default: matched from the URL)")
    p.add_argument("--content-type", help="HTTP Content-Type, for the charset")
    p.add_argument("--content-encoding", metavar="CODINGS",
                   help="HTTP Content-Encoding of the file (gzip, deflate, br, zstd); gzip is recognized anyway")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all-fields", action="store_true", help="the whole article record")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("export", help="the matching articles as JSONL or CSV, or their captures as a WACZ")
    formats = p.add_subparsers(dest="format", required=True)
    for fmt in ("jsonl", "csv", "wacz"):
        e = formats.add_parser(fmt, help={"jsonl": "one JSON article record per line",
                                          "csv": "one row per article (Excel: --bom)",
                                          "wacz": "a WACZ package (WARC, CDXJ, pages) of the articles' captures"}[fmt])
        if fmt == "wacz":
            e.add_argument("output", metavar="OUT.wacz")
            e.add_argument("--query", dest="text", metavar="Q", help="only articles this search matches")
        else:
            e.add_argument("query", nargs="?", default="", help="search text (default: every article)")
            e.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default or -: stdout)")
        if fmt == "csv":
            e.add_argument("--bom", action="store_true", help="start with a UTF-8 byte order mark (for Excel)")
        e.add_argument("--source", action="append", help="only this source (repeatable)")
        e.add_argument("--since", help="published on or after (YYYY-MM-DD)")
        e.add_argument("--until", help="published on or before (YYYY-MM-DD)")
        e.add_argument("--backend", choices=BACKENDS, help="default: $AKHBAR_BACKEND, else embedded")
        e.set_defaults(func=cmd_export, bom=False)

    p = sub.add_parser("serve", help="web interface: search, articles, captures, sandboxed replay")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="also answer requests for this Host name (repeatable; loopback names always, "
                        "and $AKHBAR_ALLOWED_HOSTS)")
    p.add_argument("--backend", choices=BACKENDS,
                   help="default: $AKHBAR_BACKEND, else embedded")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval-extract", help="score extraction against a gold set (ours vs plain trafilatura)")
    p.add_argument("directory", help="gold pages: <key>.html + <key>.json (the bundled set is goldset/pages)")
    p.add_argument("--repeat", type=int, default=3, help="time each page this many times (median)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval_extract)

    p = sub.add_parser("samples", help="serve the bundled sample news sites on loopback")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port-base", type=int, default=8701)
    p.set_defaults(func=cmd_samples)

    p = sub.add_parser("demo", help="serve the sample sites, crawl, index, search and replay")
    p.add_argument("--query", default="مفاوضات الرقة")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # Scrapy lowers the root level; keep ours
        handler.setLevel(level)
    try:
        return args.func(args)
    except (DataDirError, BackendSettingError) as exc:
        err.print(f"[red]akhbar: {escape(str(exc))}[/]")
        return 2


if __name__ == "__main__":
    sys.exit(main())
