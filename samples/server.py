"""Serve the three sample sites on loopback, one ``ThreadingHTTPServer`` per site.

Every response carries Content-Length (never chunked) and a Date; articles carry Last-Modified and
ETag. Request logs go to the ``samples.server`` logger at DEBUG, not to stderr, so test and demo
output stay readable. ``python -m samples.server`` serves in the foreground until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from samples import DEFAULT_HOST, DEFAULT_PORTS, SITE_NAMES
from samples.catalog import site_articles
from samples.common import http_date, strong_etag
from samples.router import Response, accepts_gzip, respond

log = logging.getLogger(__name__)
ADDED_SENTENCE = "وأضاف مصدر مطلع أن الاجتماع المقبل سيعقد في العاصمة الأسبوع القادم."
EDITED_MARK = " (محدث)"


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from ``samples.router``; ``site`` and ``owner`` are set per server."""

    site = ""
    owner: SampleSites
    protocol_version = "HTTP/1.1"
    server_version = "AkhbarSample/1.0"
    sys_version = ""
    timeout = 30  # idle keep-alive connections do not pin threads forever

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        self.owner.arrivals.append((time.monotonic(), self.site, self.path))  # list.append is atomic
        try:
            edit = self.owner.edits.get((self.site, self.path))
            resp = respond(self.site, self.path, self.owner.base_urls,
                           accept_gzip=False if edit else accepts_gzip(self.headers.get("Accept-Encoding", "")))
            status, headers, body = edit.apply(resp) if edit else (resp.status, resp.headers, resp.body)
        except Exception:  # a sample-site bug must show as HTTP 500, not a dropped socket
            log.exception("%s: error rendering %s", self.site, self.path)
            body = b"internal error\n"
            status = 500
            headers = (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))))
        if self.owner.latency:
            time.sleep(self.owner.latency)
        if status == 200 and _not_modified(self.headers, headers):
            status, body = 304, b""
            headers = tuple((k, v) for k, v in headers if k in ("ETag", "Last-Modified", "Vary"))
        self.send_response(status)  # adds Date and Server
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.site, format % args)


@dataclass(frozen=True)
class Edit:
    """What the site does to one article between two crawls (``SampleSites.edit_articles``): a new
    text or headline (``replace``: old → new, in the page's bytes), or an answer instead of the page
    (``status`` 404/410, or a 301 to ``location``)."""

    replace: tuple[bytes, bytes] | None = None
    status: int = 200
    location: str = ""

    def apply(self, resp: Response) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        if self.location:
            return 301, (("Location", self.location), ("Content-Length", "0")), b""
        if self.status != 200:
            body = b"<html><body><h1>Not found</h1></body></html>"
            return self.status, (("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))), body
        body = resp.body.replace(*self.replace) if self.replace else resp.body
        kept = [(k, v) for k, v in resp.headers if k not in ("Content-Length", "ETag", "Last-Modified")]
        return resp.status, (*kept, ("Content-Length", str(len(body))), ("ETag", strong_etag(body)),
                             ("Last-Modified", http_date(datetime.now(UTC)))), body


class SampleSites:
    """The three sample sites on one host; ``ports`` maps a site to a port (0 = any free one)."""

    def __init__(self) -> None:
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self.edits: dict[tuple[str, str], Edit] = {}  # (site, path) -> what the site now does there
        # seconds every answer waits before it is sent: a slow site, so that a test can catch a
        # crawler while it waits on requests in flight (the frontier kill tests)
        self.latency = 0.0
        # (monotonic time, site, path) of every request as it arrives: how often a crawler asks
        self.arrivals: list[tuple[float, str, str]] = []

    def edit_articles(self, site: str = "watan") -> dict[str, str]:
        """The «edit» mode, between two crawls: of ``site``'s articles one gets a longer text, one a new
        headline, one answers 404, one 410 and one redirects to another article. Returns the path
        of each by kind (and ``redirect_target``, where the redirect goes)."""
        arts = [a for a in site_articles(site) if "non_html" not in a.flags and a.body and a.title][:6]
        body, headline, gone, removed, moved, target = arts
        title, first = headline.title.encode(), body.body[0].encode()
        self.edits = {
            (site, body.url_path): Edit(replace=(first, first + b" " + ADDED_SENTENCE.encode())),
            (site, headline.url_path): Edit(replace=(title, title + EDITED_MARK.encode())),
            (site, gone.url_path): Edit(status=404),
            (site, removed.url_path): Edit(status=410),
            (site, moved.url_path): Edit(location=self.base_urls[site] + target.url_path),
        }
        return {"body": body.url_path, "headline": headline.url_path, "gone": gone.url_path,
                "removed": removed.url_path, "redirected": moved.url_path, "redirect_target": target.url_path}

    def start(self, host: str = DEFAULT_HOST, ports: dict[str, int] | None = None) -> SampleSites:
        if self._servers:
            raise RuntimeError("sample sites already started")
        wanted = {**DEFAULT_PORTS, **(ports or {})}
        try:
            for site in SITE_NAMES:
                handler = type(f"{site.title()}Handler", (_Handler,), {"site": site, "owner": self})
                self._servers[site] = ThreadingHTTPServer((host, wanted[site]), handler)
        except OSError:
            self._close()
            raise
        # all sockets are bound before any request is served, so base_urls is complete when pages link across sites
        for site, server in self._servers.items():
            thread = threading.Thread(target=server.serve_forever, name=f"sample-{site}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("sample sites: %s", self.base_urls)
        return self

    @property
    def base_urls(self) -> dict[str, str]:
        out = {}
        for site, server in self._servers.items():
            host, port = server.server_address[:2]
            out[site] = f"http://{host}:{port}"
        return out

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._close()

    def _close(self) -> None:
        for server in self._servers.values():
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> SampleSites:
        if not self._servers:
            self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port-base", type=int, default=DEFAULT_PORTS["watan"],
                        help="port of watan; dw and aggregator take the next two (0 = ephemeral ports)")
    args = parser.parse_args(argv)
    ports = {site: (args.port_base + i if args.port_base else 0) for i, site in enumerate(SITE_NAMES)}
    sites = SampleSites()
    try:
        sites.start(args.host, ports)
    except OSError as exc:
        print(f"cannot start the sample sites on {args.host}: {exc}", file=sys.stderr)
        return 1
    for site, url in sites.base_urls.items():
        print(f"{site:11} {url}/")
    print("serving; Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sites.stop()
    return 0


def _not_modified(request_headers, response_headers) -> bool:
    """Conditional GET as a real server answers it: If-None-Match first, else If-Modified-Since."""
    sent = dict(response_headers)
    inm = request_headers.get("If-None-Match")
    if inm is not None:
        return bool(sent.get("ETag")) and sent["ETag"] in [t.strip() for t in inm.split(",")]
    ims = request_headers.get("If-Modified-Since")
    if ims and sent.get("Last-Modified"):
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(sent["Last-Modified"]) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


if __name__ == "__main__":
    sys.exit(main())

