"""A hostile news site on loopback, crawled once, for the escaping and replay-safety tests.

Its one article has markup in the title and body text (which must come out as text) and real
scripts, event handlers, a ``javascript:`` link and live sub-resources in the HTML (which must never
run or be fetched on replay). The server logs every request, so after the crawl the tests can show
that opening the web pages made no request to the live site — no sub-resource and no beacon.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from akhbar.demo import FAST
from core.config import DataDir

SOURCE_ID = "test-hostile"
ARTICLE_PATH = "/news/1.html"
TITLE_MARKUP = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
BODY_MARKUP = '<script>alert("xss")</script> <img src=x onerror=alert(document.domain)>'
QUERY = "مفاوضات الرقة"

_PARAS = [
    "قالت مصادر محلية إن مفاوضات الرقة بين الأطراف المتنازعة استؤنفت صباح اليوم في مدينة الرقة شمال سوريا بعد "
    "توقف دام أسبوعين، وسط أنباء عن تقدم في ملف خروج المدنيين من الأحياء المحاصرة.",
    "وأضافت المصادر أن الوفود ناقشت ترتيبات وقف إطلاق النار وفتح ممرات آمنة، في حين لم يصدر أي تعليق رسمي من "
    "الجهات المعنية حتى ساعة إعداد هذا الخبر، بينما تتواصل الاشتباكات في محيط المدينة.",
    "ويرى مراقبون أن نجاح هذه الجولة سيعتمد على الضمانات الدولية، مشيرين إلى أن جولات سابقة انتهت دون نتائج "
    "ملموسة بسبب الخلاف على آليات التنفيذ والرقابة على الاتفاق.",
]


def _article(base: str) -> str:
    esc_title = TITLE_MARKUP.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    esc_body = BODY_MARKUP.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    evil = (f"window.__pwned=1;alert('xss');document.documentElement.setAttribute('data-pwned','1');"
            f"new Image().src='{base}/beacon?script';try{{top.__pwned=1}}catch(e){{}}")
    paras = "\n".join(f"<p>{p}</p>" for p in _PARAS)
    return f"""<!doctype html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{QUERY}: عاجل {esc_title}</title>
<meta property="og:title" content="{QUERY}: عاجل {esc_title}">
<meta property="article:published_time" content="2017-06-12T09:00:00+03:00">
<meta property="og:image" content="javascript:window.__pwned=9">
<link rel="stylesheet" href="{base}/live.css">
<script>{evil}</script>
<script src="{base}/evil.js"></script>
</head>
<body onload="{evil}">
<article>
<h1>{QUERY}: عاجل {esc_title}</h1>
<img src="{base}/live-image.png" srcset="{base}/live-2x.png 2x" onerror="{evil}" alt="">
<div style="background-image: url('{base}/live-bg.png')">
<p><strong>وكالات</strong> {esc_body}</p>
{paras}
<p>نص تجريبي: {esc_body} <a href="javascript:{evil}">اضغط هنا</a></p>
<svg onload="{evil}"><circle r="1"></circle></svg>
<iframe src="{base}/frame.html"></iframe>
</div>
</article>
</body></html>"""


@dataclass
class HostileSite:
    server: ThreadingHTTPServer
    requests: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_site() -> HostileSite:
    site: HostileSite

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            base = site.base
            if self.path == "/robots.txt":
                body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
            elif self.path == "/feed.xml":
                body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
                        f"<item><title>x</title><link>{base}{ARTICLE_PATH}</link></item></channel></rss>").encode()
                ctype = "application/rss+xml"
            elif self.path == ARTICLE_PATH:
                body, ctype = _article(base).encode(), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    site = HostileSite(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    threading.Thread(target=site.server.serve_forever, daemon=True).start()
    return site


def write_profile(directory: Path, base: str) -> None:
    port = base.rsplit(":", 1)[1]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{SOURCE_ID}.toml").write_text(f"""id = "{SOURCE_ID}"
name_ar = "موقع عدائي <b>للاختبار</b>"
name_en = "Hostile test site"
country = "SY"
base_url = "{base}"
allowed_domains = ["127.0.0.1"]
timezone = "Asia/Damascus"
verified = true
feeds = ["/feed.xml"]
article_patterns = ['^http://127\\.0\\.0\\.1:{port}/news/\\d+\\.html$']
""", encoding="utf-8")


@dataclass
class HostileCrawl:
    site: HostileSite
    data: DataDir
    profiles: Path

    @property
    def article_url(self) -> str:
        return self.site.base + ARTICLE_PATH


_cached: HostileCrawl | None = None


def hostile_crawl(tmp_root: Path) -> HostileCrawl:
    """Start the site and crawl it once per test session (shared by test_web and test_browser)."""
    global _cached
    if _cached is None:
        site = start_site()
        profiles = tmp_root / "profiles"
        write_profile(profiles, site.base)
        data = DataDir(tmp_root / "data").ensure()
        env = {**os.environ, "AKHBAR_SOURCES": str(profiles), "PYTHONIOENCODING": "utf-8"}
        fast = [f"--set={k}={v}" for k, v in FAST.items()]
        proc = subprocess.run([sys.executable, "-m", "akhbar.cli", "--data", str(data.root), "crawl", SOURCE_ID,
                               "--no-progress", *fast], env=env, capture_output=True, text=True, timeout=300,
                              check=False)
        if proc.returncode != 0:
            raise AssertionError(f"crawl of the hostile site failed: {proc.stderr[-4000:]}")
        _cached = HostileCrawl(site, data, profiles)
    return _cached
