"""Make an archived page point at the archive instead of the live web.

Every URL an archived HTML page or stylesheet refers to is made absolute (honouring ``<base>``)
and turned into an ``/archive?url=…&at=…`` link, so images and stylesheets come from the WARC
files or not at all. This is the second line of defence: the replay response's CSP already
forbids any origin but ours, so a URL this misses is blocked by the browser rather than fetched.
Schemes other than http(s) and ``data:`` are dropped (``javascript:`` links included).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
from lxml import etree
from lxml.html import defs

from core.charset import decode_html

ARCHIVE_PATH = "/archive"
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""",
                      re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_SRCSET_ATTRS = ("srcset", "imagesrcset")
_URL_ATTRS = frozenset(defs.link_attrs) | {"poster"}


def archive_href(url: str, at: str) -> str:
    """The app-relative link that replays ``url`` at the capture closest to ``at``."""
    return f"{ARCHIVE_PATH}?{urlencode({'url': url, 'at': at})}"


def _to_archive(link: str, base: str, at: str) -> str | None:
    """An archive link for ``link`` (resolved against ``base``); None drops the attribute."""
    link = link.strip()
    if not link or link.startswith("#"):
        return link
    if link.lower().startswith("data:"):
        return link
    absolute = urljoin(base, link)
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return archive_href(absolute, at)


def rewrite_css(css: str, base: str, at: str) -> str:
    """``url(...)`` and ``@import "..."`` in a stylesheet, pointed at the archive."""

    def repl(m: re.Match[str]) -> str:
        is_import = m.group(4) is not None or m.group(5) is not None
        link = next((g for g in m.groups() if g is not None), "")
        target = _to_archive(link, base, at) or ""
        return f'@import "{target}"' if is_import else f'url("{target}")'

    return _CSS_URL.sub(repl, css)


def archived_text(body: bytes, content_type: str) -> str:
    """An archived text payload as the crawler read it (``core.charset.decode_html``: BOM, HTTP
    charset, ``<meta>``, sniffing, UTF-8 served under a legacy label), so replay shows the same
    Arabic text the crawler extracted; an XML declaration is dropped, as lxml refuses ``str``
    input that declares an encoding."""
    return _XML_DECL.sub("", decode_html(body, content_type).text, count=1)


def rewrite_html(body: bytes, content_type: str, base: str, at: str) -> str:
    """The archived page as UTF-8 HTML with every sub-resource and link pointed at the archive.

    ``<meta http-equiv=refresh>`` is removed (it could send the frame to a live page) and
    ``<base>`` is resolved then removed; scripts are left in place for fidelity — the sandbox
    and the CSP of the replay response keep them from running.
    """
    text = archived_text(body, content_type)
    if not text.strip():
        return ""
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return ""
    doctype = doc.getroottree().docinfo.doctype
    for meta in doc.xpath("//meta[@http-equiv]"):
        if meta.get("http-equiv", "").strip().lower() in ("refresh", "set-cookie", "content-security-policy"):
            meta.drop_tree()
    base_el = doc.find(".//base[@href]")
    if base_el is not None:
        base = urljoin(base, base_el.get("href", "").strip())
    for el in doc.xpath("//base"):
        el.drop_tree()
    for el in doc.iter(etree.Element):
        for attr, value in list(el.attrib.items()):
            name = attr.lower()
            if name in _URL_ATTRS:
                target = _to_archive(value, base, at)
            elif name in _SRCSET_ATTRS:
                target = _rewrite_srcset(value, base, at)
            elif name == "style":
                target = rewrite_css(value, base, at)
            else:
                continue
            if target is None:
                del el.attrib[attr]
            else:
                el.set(attr, target)
        if el.tag == "style" and el.text:
            el.text = rewrite_css(el.text, base, at)
    html = lxml.html.tostring(doc, encoding="unicode", method="html")
    return (doctype + "\n" + html) if doctype else html


def _rewrite_srcset(value: str, base: str, at: str) -> str:
    out = []
    for candidate in value.split(","):
        parts = candidate.strip().split(None, 1)
        if not parts:
            continue
        target = _to_archive(parts[0], base, at)
        if target:
            out.append(" ".join([target, *parts[1:]]))
    return ", ".join(out)
