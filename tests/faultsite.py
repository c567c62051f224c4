"""A deliberately badly behaved news site on loopback, for the fault tests: wrong or missing
charsets, broken HTML, binary bodies, an oversized page, a redirect loop, a 503 storm, broken feeds
and sitemaps, impossible dates. Each page is built here so the test knows exactly what was served."""

from __future__ import annotations

import codecs
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TEXT = ("أعلنت وزارة الزراعة السورية اليوم عن بدء موسم قطاف الفستق الحلبي في ريف حماة الشمالي، "
        "وسط توقعات بإنتاج وفير هذا العام بعد تحسن الظروف الجوية وتوفر مياه الري في المنطقة. ")


def article(title: str, extra_head: str = "", charset_meta: str = "utf-8") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "".join(f"<p>{TEXT}{title} فقرة {i}.</p>" for i in range(1, 5))
    return (f"<!DOCTYPE html><html lang='ar' dir='rtl'><head>{meta}<title>{title}</title>{extra_head}</head>"
            f"<body><header><nav><a href='/'>الرئيسية</a></nav></header><article><h1>{title}</h1>{paras}"
            "</article><footer>جميع الحقوق محفوظة</footer></body></html>")


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
}
FUTURE = article("مقال بتاريخ مستقبلي", '<meta property="article:published_time" content="2031-05-01T10:00:00+03:00">')
BROKEN = article("مقال بترميز مكسور")[:-60] + "<div><p><span>نص إضافي <b>غير مغلق"
ERRORS = [f"/a/err-{i}" for i in range(1, 5)]
PATHS = [*CHARSET_PAGES, "/a/moved", "/a/future-date", "/a/broken-html", "/a/huge", "/a/binary", "/a/loop-a", *ERRORS,
         "/private/secret"]


class FaultSite:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

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

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                status, ctype, body, extra = site.route(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler

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
            index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                     f"<sitemap><loc>{self.base}/sitemap-broken.xml</loc></sitemap></sitemapindex>")
            return 200, "application/xml", index.encode(), []
        if path == "/sitemap-broken.xml":
            return 200, "application/xml", b'<?xml version="1.0"?><urlset><url><loc>http://x</loc></url', []
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
            return 200, html, article("مقال ضخم").encode() + b"<!--" + b"x" * 300_000 + b"-->", []
        if path == "/a/binary":
            return 200, html, bytes(range(256)) * 64, []
        if path == "/a/moved":  # an old article URL, as feeds often list them
            return 301, html, b"", [("Location", f"{self.base}/a/good-utf8")]
        if path == "/a/loop-a":
            return 302, html, b"", [("Location", f"{self.base}/a/loop-b")]
        if path == "/a/loop-b":
            return 302, html, b"", [("Location", f"{self.base}/a/loop-a")]
        if path in ERRORS:
            return 503, "text/plain", b"overloaded", [("Retry-After", "0")]
        if path == "/private/secret":
            return 200, html, article("سري").encode(), []
        return 404, "text/plain", b"not found", []
