"""A deliberately badly behaved news site on loopback, for the fault tests: wrong or missing
charsets, broken HTML, binary bodies, oversized, endless and gzip-bomb bodies, a redirect loop,
redirects and meta refreshes off the site (to another port, where a second server counts what
reaches it), a 503 storm, a page that never answers in time and one that hangs up, broken feeds and
sitemaps, sitemap index traps, escape sequences in a header, impossible dates. Each page is built
here so the test knows exactly what was served."""

from __future__ import annotations

import codecs
import gzip
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEXT = ("أعلنت وزارة الزراعة السورية اليوم عن بدء موسم قطاف الفستق الحلبي في ريف حماة الشمالي، "
        "وسط توقعات بإنتاج وفير هذا العام بعد تحسن الظروف الجوية وتوفر مياه الري في المنطقة. ")
LEGACY_FRAGMENT = "وأكد مدير الزراعة في حماة أن الموسم الحالي يبشر بالخير للمزارعين في المنطقة كلها."


def article(title: str, extra_head: str = "", charset_meta: str = "utf-8") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "".join(f"<p>{TEXT}{title} فقرة {i}.</p>" for i in range(1, 5))
    return (f"<!DOCTYPE html><html lang='ar' dir='rtl'><head>{meta}<title>{title}</title>{extra_head}</head>"
            f"<body><header><nav><a href='/'>الرئيسية</a></nav></header><article><h1>{title}</h1>{paras}"
            "</article><footer>جميع الحقوق محفوظة</footer></body></html>")


def _with_legacy_fragment(html: str) -> bytes:
    """UTF-8 page with one paragraph still in windows-1256 (an old include)."""
    return html.encode().replace(b"</article>", f"<p>{LEGACY_FRAGMENT}</p></article>".encode("cp1256"))


CHARSET_PAGES = {
    # path: (title, Content-Type, encoded body)
    "/a/good-utf8": ("مقال سليم الترميز", "text/html; charset=utf-8", article("مقال سليم الترميز").encode()),
    "/a/cp1256-nolabel": ("مقال بلا ترميز معلن", "text/html",
                          article("مقال بلا ترميز معلن", charset_meta="").encode("cp1256")),
    "/a/cp1256-as-utf8": ("مقال موسوم خطأ بيونيكود", "text/html; charset=utf-8",
                          article("مقال موسوم خطأ بيونيكود", charset_meta="").encode("cp1256")),
    "/a/cp1256-as-latin1": ("مقال موسوم خطأ بلاتيني", "text/html; charset=iso-8859-1",
                            article("مقال موسوم خطأ بلاتيني", charset_meta="").encode("cp1256")),
    "/a/iso88596": ("مقال بترميز أيزو", "text/html; charset=iso-8859-6",
                    article("مقال بترميز أيزو", charset_meta="iso-8859-6").encode("iso8859_6", "replace")),
    "/a/utf8-bom": ("مقال مع علامة ترتيب البايت", "text/html; charset=windows-1256",
                    codecs.BOM_UTF8 + article("مقال مع علامة ترتيب البايت", charset_meta="").encode()),
    # a CMS moved to UTF-8 and kept its old label, with an old include still in windows-1256
    "/a/utf8-as-iso88596": ("مقال موسوم أيزو وهو يونيكود", "text/html; charset=iso-8859-6",
                            _with_legacy_fragment(article("مقال موسوم أيزو وهو يونيكود", charset_meta="iso-8859-6"))),
}
FUTURE = article("مقال بتاريخ مستقبلي", '<meta property="article:published_time" content="2031-05-01T10:00:00+03:00">')
BROKEN = article("مقال بترميز مكسور")[:-60] + "<div><p><span>نص إضافي <b>غير مغلق"
NUL_PAGE = article("مقال فيه بايت صفري").replace("فقرة 1.", "فقرة 1.\x00", 1)  # one NUL in the first 4 KB
ESCAPE_CTYPE = "text/x-evil\x1b]0;pwned\x07\x1b[2J\x9b6n"  # sets the title, clears the screen, asks the cursor
MAXSIZE = 100_000  # the DOWNLOAD_MAXSIZE the fault crawl runs with
BOMB = gzip.compress(b" " * (4 * MAXSIZE))  # a small body that inflates past MAXSIZE
SLOW = 6.0  # seconds /a/slow waits before its body: longer than the fault crawl's DOWNLOAD_TIMEOUT
ERRORS = [f"/a/err-{i}" for i in range(1, 5)]
PATHS = [*CHARSET_PAGES, "/a/moved", "/a/future-date", "/a/broken-html", "/a/huge", "/a/binary", "/a/loop-a", *ERRORS,
         "/private/secret", "/a/nul-byte", "/a/escape-ctype", "/a/endless", "/a/gzip-bomb", "/a/slow", "/a/hang-up",
         "/a/refresh", "/a/refresh-offsite", "/a/other-port"]
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_index(locs: list[str]) -> bytes:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{items}</sitemapindex>'.encode()


def refresh_page(url: str) -> bytes:
    """An article URL that moved, announced in the page itself."""
    return (f'<html><head><meta http-equiv="refresh" content="0;url={url}"><title>نقل</title></head>'
            f'<body><p>نقلت هذه الصفحة. <a href="{url}">تابع</a></p></body></html>').encode()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def respond(handler: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes,
            extra: list[tuple[str, str]] | tuple = ()) -> None:
    """A whole response: status, Content-Type, Content-Length, any extra headers, the body."""
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    for k, v in extra:
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


def quiet_handler(do_get: Callable[[BaseHTTPRequestHandler], None], *,
                  http11: bool = True) -> type[BaseHTTPRequestHandler]:
    """A request handler class that answers every GET with ``do_get(handler)`` and logs nothing
    (the loopback sites' handlers differ only in what they answer)."""

    class Handler(BaseHTTPRequestHandler):
        if http11:
            protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            do_get(self)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the crawl hangs up on endless and oversized bodies on purpose


class Elsewhere:
    """Another site on the same host and another port: nothing of the fault crawl may reach it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        def answer(handler: BaseHTTPRequestHandler) -> None:
            hits.append(handler.path)
            respond(handler, 200, "text/html; charset=utf-8", article("صفحة في موقع آخر").encode())

        self.server = _QuietServer(("127.0.0.1", 0), quiet_handler(answer, http11=False))
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LoopbackSite:
    """A test site on 127.0.0.1 and a free port, served from a thread while the ``with`` lasts."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], server: type[ThreadingHTTPServer] = _QuietServer) -> None:
        self.server = server(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class FaultSite(LoopbackSite):
    def __init__(self) -> None:
        super().__init__(self._handler())
        self.elsewhere = Elsewhere()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.elsewhere.close()

    def profile(self, directory: Path) -> Path:
        port = self.server.server_address[1]
        path = directory / "faults.toml"
        path.write_text(f'''
id = "faults"
name_ar = "موقع الأعطال"
name_en = "Fault site"
country = "SY"
timezone = "Asia/Damascus"
verified = true
base_url = "{self.base}"
allowed_domains = ["127.0.0.1"]
feeds = ["/feed.xml", "/bad-feed.xml"]
sitemaps = ["/sitemap.xml"]
deny_patterns = ['/a/calendar/']
article_patterns = ['^http://127\\.0\\.0\\.1:{port}/(a|private)/']

[[sections]]
url = "/list?page=1"
name = "أخبار"
next_page = "a.next::attr(href)"
max_pages = 3
''', encoding="utf-8")
        return path

    def trap_profiles(self, directory: Path) -> dict[str, Path]:
        """Profiles for the discovery traps of this site, and one for a site that refuses connections:
        ``traps-depth`` (a sitemap index whose only child links to ?n=N+1, forever), ``traps-wide``
        (an index of 20 sitemaps), ``traps-endless`` (the same endless index, for the crawl budgets)
        and ``refused`` (a closed port)."""
        port = self.server.server_address[1]
        out = {}
        for pid, base, sitemap in (("traps-depth", self.base, "/trap/sitemap.xml?n=0"),
                                   ("traps-wide", self.base, "/wide/sitemap.xml"),
                                   ("traps-endless", self.base, "/trap/sitemap.xml?n=0"),
                                   ("refused", f"http://127.0.0.1:{closed_port()}", "/sitemap.xml")):
            out[pid] = path = directory / f"{pid}.toml"
            path.write_text(f'''
id = "{pid}"
name_ar = "فخاخ"
name_en = "Traps"
country = "SY"
base_url = "{base}"
allowed_domains = ["127.0.0.1"]
sitemaps = ["{sitemap}"]
article_patterns = ['^http://127\\.0\\.0\\.1:{port}/a/']
''', encoding="utf-8")
        return out

    def _handler(self):
        site = self

        def answer(handler: BaseHTTPRequestHandler) -> None:
            special = site.special(handler.path)
            if special is not None:
                special(handler)
                return
            respond(handler, *site.route(handler.path))

        return quiet_handler(answer)

    # -- pages that misbehave on the wire rather than in their content --------------------------
    def special(self, path: str):
        return {"/a/slow": self._slow, "/a/hang-up": self._hang_up, "/a/endless": self._endless}.get(
            path.split("?", 1)[0])

    @staticmethod
    def _slow(handler: BaseHTTPRequestHandler) -> None:
        """Headers at once, the body only after the client has given up."""
        body = article("مقال بطيء").encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        time.sleep(SLOW)
        handler.wfile.write(body)

    @staticmethod
    def _hang_up(handler: BaseHTTPRequestHandler) -> None:
        """The connection is closed before any response."""
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _endless(handler: BaseHTTPRequestHandler) -> None:
        """A chunked body that never ends (until the client hangs up, or 50 times the size limit)."""
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        head = article("مقال لا ينتهي").removesuffix("</article><footer>جميع الحقوق محفوظة</footer></body></html>")
        chunks = [head.encode(), *[f"<p>{TEXT * 20}</p>".encode()] * (50 * MAXSIZE // len(TEXT * 20))]
        handler.close_connection = True
        try:
            for chunk in chunks:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            pass

    def route(self, path: str) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        html = "text/html; charset=utf-8"
        if path == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /private/\nSitemap: {self.base}/sitemap.xml\n"
            return 200, "text/plain", robots.encode(), []
        if path == "/feed.xml":
            items = "".join(f"<item><title>x</title><link>{self.base}{p}?utm_source=rss&amp;sid=42</link></item>"
                            for p in PATHS)
            rss = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
            return 200, "application/rss+xml", rss.encode(), []
        if path == "/bad-feed.xml":
            return 200, "application/rss+xml", b"this is <<not xml at all", []
        if path == "/sitemap.xml":
            return 200, "application/xml", sitemap_index([f"{self.base}/sitemap-broken.xml",
                                                          f"{self.base}/sitemap-bomb.xml.gz"]), []
        if path == "/sitemap-broken.xml":
            return 200, "application/xml", b'<?xml version="1.0"?><urlset><url><loc>http://x</loc></url', []
        if path == "/sitemap-bomb.xml.gz":  # gzip without Content-Encoding, as .gz sitemaps are served
            return 200, "application/x-gzip", BOMB, []
        if path.startswith("/trap/sitemap.xml?n="):  # each level's only child is one level deeper
            n = int(path.rsplit("=", 1)[1])
            return 200, "application/xml", sitemap_index([f"{self.base}/trap/sitemap.xml?n={n + 1}"]), []
        if path == "/wide/sitemap.xml":
            return 200, "application/xml", sitemap_index([f"{self.base}/wide/part-{i}.xml" for i in range(20)]), []
        if path.startswith("/wide/part-"):
            return 200, "application/xml", f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}"></urlset>'.encode(), []
        if path.startswith("/list?page="):  # a listing that never ends, and a calendar trap
            n = int(path.rsplit("=", 1)[1])
            links = "".join(f'<a href="/a/calendar/2017/{m:02d}/{d:02d}/">{d}</a>' for m in (1, 2) for d in (1, 2))
            body = (f'<html><body><a href="/a/good-utf8?PHPSESSID={n}">مقال</a>{links}'
                    f'<a class="next" href="/list?page={n + 1}">التالي</a></body></html>')
            return 200, html, body.encode(), []
        path = path.split("?", 1)[0]
        if path in CHARSET_PAGES:
            _, ctype, body = CHARSET_PAGES[path]
            return 200, ctype, body, []
        if path == "/a/future-date":
            return 200, html, FUTURE.encode(), []
        if path == "/a/broken-html":
            return 200, html, BROKEN.encode(), []
        if path == "/a/huge":
            return 200, html, article("مقال ضخم").encode() + b"<!--" + b"x" * 3 * MAXSIZE + b"-->", []
        if path == "/a/binary":
            return 200, html, bytes(range(256)) * 64, []
        if path == "/a/nul-byte":
            return 200, html, NUL_PAGE.encode(), []
        if path == "/a/escape-ctype":
            return 200, ESCAPE_CTYPE, article("مقال بنوع غريب").encode(), []
        if path == "/a/gzip-bomb":
            return 200, html, BOMB, [("Content-Encoding", "gzip")]
        if path == "/a/moved":  # an old article URL, as feeds often list them
            return 301, html, b"", [("Location", f"{self.base}/a/good-utf8")]
        if path == "/a/refresh":
            return 200, html, refresh_page("/a/refresh-target"), []
        if path == "/a/refresh-target":
            return 200, html, article("مقال بعد التحويل").encode(), []
        if path == "/a/refresh-offsite":
            return 200, html, refresh_page(f"{self.elsewhere.base}/a/good-utf8"), []
        if path == "/a/other-port":  # same host, another port: another site
            return 302, html, b"", [("Location", f"{self.elsewhere.base}/a/good-utf8")]
        if path == "/a/loop-a":
            return 302, html, b"", [("Location", f"{self.base}/a/loop-b")]
        if path == "/a/loop-b":
            return 302, html, b"", [("Location", f"{self.base}/a/loop-a")]
        if path in ERRORS:
            return 503, "text/plain", b"overloaded", [("Retry-After", "0")]
        if path == "/private/secret":
            return 200, html, article("سري").encode(), []
        return 404, "text/plain", b"not found", []
