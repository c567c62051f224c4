"""Article metadata read from the page itself: title, section, authors, tags, lead, canonical URL and
main image — the parts trafilatura's generic metadata gets wrong on Arabic news templates.

Everything here reads one parsed lxml tree (``parse_html``, the one parse of a page) and never
raises on odd markup; each function says which
evidence it trusts first and why. Machine-readable data (meta tags, JSON-LD) wins over markup
heuristics because it is what the CMS stored, except for the title, where meta tags carry the site
name and the displayed headline is the ground truth.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html

from pipelines.cleanup import squash, tidy

logger = logging.getLogger(__name__)

_HOME = {"الرئيسية", "الرئيسيه", "الصفحة الرئيسية", "home", "الأخبار", "أخبار", "news"}
_SECTION_CLASS = re.compile(
    r"(?:^|[-_])(?:breadcrumbs?|breadcumbs?|bread|crumbs|path|nav-path|post-cat|cat-links|category|categories|kicker|"
    r"article-section|section-name|rubric)(?:[-_]|$)", re.IGNORECASE)
# Page chrome, not the story: sidebars, widgets, related and most-read lists, comments and replies,
# menus and navigation, tickers and breaking-news bars, teasers, share bars, the top bar with its
# «today» date. A section link, a credit or a date inside such a block belongs to another story or
# to the site (``in_chrome``; ``pipelines.dates`` skips date elements there too).
CHROME_CLASS = re.compile(r"sidebar|widget|related|comment|reply|footer|menu|nav|most|latest|popular|ticker"
                          r"|breaking|teaser|share|top-bar|topbar|today", re.IGNORECASE)
# schema.org types whose object is the story itself (any type ending in "article" is one too): their
# headline, author, section and dates are the page's, an ImageObject's or a comment's are not.
ARTICLE_TYPES = frozenset({"article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
                           "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
                           "socialmediaposting", "report", "creativework"})


# --- JSON-LD ---------------------------------------------------------------------------------------------
def jsonld_objects(root: Any) -> list[dict]:
    """Every object of every ld+json block (lists and @graph flattened), in document order. A
    malformed block is repaired where cheap (trailing commas, HTML comment or CDATA wrappers, ``//``
    comment lines), else logged and skipped."""
    out: list[dict] = []
    for script in root.xpath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]"):
        raw = (script.text or "").strip()
        if not raw:
            continue
        for attempt in (raw, _repair_json(raw)):
            try:
                out.extend(_walk(json.loads(attempt, strict=False)))
                break
            except (ValueError, RecursionError) as exc:
                logger.debug("bad JSON-LD block: %s", exc)
    return out


def _repair_json(raw: str) -> str:
    raw = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", raw)
    raw = re.sub(r"^\s*//.*$", "", raw, flags=re.MULTILINE)
    return re.sub(r",\s*([}\]])", r"\1", raw)


def _walk(node: Any) -> Iterator[dict]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key == "@graph" or isinstance(value, dict | list):
                yield from _walk(value)


def jsonld_types(obj: dict) -> set[str]:
    t = obj.get("@type", [])
    return {x.lower() for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)}


def is_article_object(obj: dict) -> bool:
    types = jsonld_types(obj)
    return bool(types & ARTICLE_TYPES) or any(t.endswith("article") for t in types)


def article_objects(objs: list[dict]) -> list[dict]:
    return [o for o in objs if is_article_object(o)]


def _names(value: Any, person_only: bool = False) -> list[str]:
    """Names from a JSON-LD author value: a string, a Person, or a list of either."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, str) and not person_only:
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            if person_only and jsonld_types(item) and "person" not in jsonld_types(item):
                continue
            out.append(item["name"])
    return [tidy(n) for n in out if tidy(n)]


# --- the parsed page ------------------------------------------------------------------------------------
def parse_html(html: str | bytes) -> Any:
    """The page as an lxml tree: the one parse of a page (``pipelines.page``), which every reader here
    and in ``pipelines.dates`` works on. Raises ``ValueError`` or ``lxml.etree.LxmlError`` on
    markup lxml cannot read (an empty document included)."""
    try:
        return lxml.html.fromstring(html)
    except ValueError:  # "Unicode strings with encoding declaration are not supported"
        return lxml.html.fromstring(html.encode("utf-8") if isinstance(html, str) else html)


def _meta_pairs(root: Any) -> Iterator[tuple[str, str]]:
    """(key, content) of every ``<meta>`` with a non-blank ``content``, in document order; the key is
    its property, name, itemprop or http-equiv, stripped and lower-cased."""
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        value = el.get("content") or ""
        if key and value.strip():
            yield key, value


def meta_values(root: Any) -> dict[str, list[str]]:
    """Key (lower-cased) -> raw values, in document order: the ``<meta>`` tags first, then microdata,
    where ``itemprop`` sits on any element with the value in ``content`` or ``datetime``."""
    out: dict[str, list[str]] = {}
    for key, value in _meta_pairs(root):
        out.setdefault(key, []).append(value)
    for el in root.xpath("//*[@itemprop][not(self::meta)]"):
        value = el.get("content") or el.get("datetime")
        if value and value.strip():
            for key in el.get("itemprop", "").split():
                out.setdefault(key.lower(), []).append(value)
    return out


def meta_content(root: Any, *keys: str) -> str:
    """The first (in document order) ``<meta>`` content keyed any of ``keys``, tidied; "" if none."""
    wanted = {k.lower() for k in keys}
    return next((tidy(value) for key, value in _meta_pairs(root) if key in wanted), "")


def meta_all(root: Any, key: str) -> list[str]:
    """Every ``<meta>`` content keyed ``key``, tidied, in document order."""
    return [tidy(value) for k, value in _meta_pairs(root) if k == key]


# --- page pieces -------------------------------------------------------------------------------------------
def _text(el: Any) -> str:
    try:
        return tidy(el.text_content())
    except (ValueError, TypeError):
        return ""


def displayed_texts(root: Any, limit: int = 400) -> set[str]:
    """Squashed texts of the page's headings and short leaf blocks: where a displayed headline is found."""
    out = set()
    for el in root.xpath("//body//*[self::h1 or self::h2 or self::h3 or self::h4 or self::b or self::strong "
                         "or self::span or self::td or self::font or self::p or self::a "
                         "or (self::div and count(*) <= 1)]"):
        text = _text(el)
        if 3 <= len(text) <= limit:
            out.add(squash(text))
    return out


_TITLE_SEP = re.compile(r"(\s+(?:\||-|–|—|::|»|·)\s+)")


def choose_title(candidates: list[str], displayed: set[str], site_names: list[str] = ()) -> str:
    """The headline as the page displays it.

    og:title and <title> usually carry the site name before or after a separator, or DW's
    «– DW – 10.06.2017»; the headline itself is shown in an <h1> or a bold cell. So the title is the
    longest separator-bounded run of a candidate that the page also displays on its own, and not the
    site's name (which the logo displays too); "" if there is none.
    """
    names = {squash(n) for n in site_names if n}
    for cand in (tidy(c) for c in candidates if c and c.strip()):
        tokens = _TITLE_SEP.split(cand)
        count = len(tokens[0::2])
        for n in range(count, 0, -1):
            shown = [tidy("".join(tokens[2 * start: 2 * (start + n) - 1])) for start in range(count - n + 1)]
            shown = [p for p in shown if squash(p) in displayed and squash(p) not in names]
            if shown:
                return max(shown, key=len)
    return ""


def section(root: Any, objs: list[dict], title: str, known: list[str]) -> str:
    """Section from, in order: article:section, JSON-LD articleSection, a BreadcrumbList, then the
    breadcrumb/category/kicker link in the markup (not inside menus, sidebars or related lists)."""
    value = meta_content(root, "article:section")
    if value:
        return value
    for obj in article_objects(objs):
        sec = obj.get("articleSection")
        sec = sec[0] if isinstance(sec, list) and sec else sec
        if isinstance(sec, str) and tidy(sec):
            return tidy(sec)
    for obj in objs:
        if "breadcrumblist" in jsonld_types(obj):
            name = _from_breadcrumbs(obj, title)
            if name:
                return name
    return _section_from_markup(root, title, known)


def _from_breadcrumbs(obj: dict, title: str) -> str:
    items = obj.get("itemListElement") or []
    items = sorted((i for i in items if isinstance(i, dict)), key=lambda i: i.get("position") or 0)
    names = []
    for item in items:
        name = item.get("name") or (item.get("item") or {}).get("name") if isinstance(item.get("item"), dict) \
            else item.get("name")
        if isinstance(name, str) and tidy(name):
            names.append(tidy(name))
    names = [n for n in names if squash(n).lower() not in _HOME and squash(n) != squash(title)]
    return names[-1] if names else ""


def class_label(el: Any) -> str:
    """An element's class and id, the words templates name their blocks with."""
    return f"{el.get('class', '')} {el.get('id', '')}"


def in_chrome(el: Any) -> bool:
    """Whether ``el`` sits inside page chrome: a nav, aside or footer, or a block ``CHROME_CLASS`` names."""
    for anc in el.iterancestors():
        tag = anc.tag if isinstance(anc.tag, str) else ""
        if tag in ("nav", "aside", "footer") or CHROME_CLASS.search(class_label(anc)):
            return True
    return False


def _section_from_markup(root: Any, title: str, known: list[str]) -> str:
    flat_title = squash(title)
    for el in root.xpath("//body//*[@class or @id]"):
        label = class_label(el)
        if not any(_SECTION_CLASS.search(tok) for tok in label.split()) or in_chrome(el):
            continue
        links = el.xpath(".//a") or [el]
        names = [_text(a) for a in links]
        names = [n for n in names if 1 < len(n) <= 40 and squash(n).lower() not in _HOME and squash(n) != flat_title]
        if names:
            return names[-1]
    if known:
        for el in root.xpath("//body//a"):
            if _text(el) in known and not in_chrome(el) and el.getparent() is not None \
                    and el.getparent().tag not in ("li",):
                return _text(el)
    return ""


def authors(objs: list[dict], root: Any) -> list[str]:
    """People credited: JSON-LD Person authors of the article, else ``<meta name=author>``."""
    for obj in article_objects(objs):
        names = _names(obj.get("author"), person_only=True)
        if names:
            return names
    value = meta_content(root, "author", "article:author", "dc.creator")
    if value and not value.startswith("http"):
        return [n for n in (tidy(x) for x in re.split(r"[;،,]| و(?=\S)", value)) if n]
    return []


def tags(root: Any, objs: list[dict]) -> list[str]:
    """article:tag metas, else JSON-LD keywords (a list or a comma-separated string)."""
    found = meta_all(root, "article:tag")
    if not found:
        for obj in article_objects(objs):
            kw = obj.get("keywords")
            if isinstance(kw, str):
                found = [tidy(k) for k in re.split(r"[,،]", kw)]
            elif isinstance(kw, list):
                found = [tidy(k) for k in kw if isinstance(k, str)]
            if found:
                break
    return list(dict.fromkeys(t for t in found if t))


def lead(root: Any, objs: list[dict]) -> str:
    """The standfirst: JSON-LD alternativeHeadline/description or the meta description."""
    for obj in article_objects(objs):
        for key in ("alternativeHeadline", "description"):
            if isinstance(obj.get(key), str) and tidy(obj[key]):
                return tidy(obj[key])
    return meta_content(root, "description", "og:description")


_STANDFIRST_CLASS = re.compile(r"(?:^|[-_ ])(?:lead|standfirst|summary|excerpt|intro|subtitle|sub-title|deck|dek)"
                               r"(?:[-_ ]|$)", re.IGNORECASE)


def standfirst_block(root: Any) -> str:
    """The standfirst as a block of the page marks it («article-lead», «summary», «standfirst»), for
    pages whose meta tags do not give it: a sentence or two, outside the chrome."""
    for el in root.xpath("//body//*[self::p or self::h2 or self::h3 or self::div or self::span][@class or @id]"):
        if not any(_STANDFIRST_CLASS.search(tok) for tok in class_label(el).split()) or in_chrome(el):
            continue
        if el.xpath(".//p | .//div | .//h2 | .//li"):
            continue  # a container (a «summary» box of several blocks), not the standfirst itself
        text = _text(el)
        if 40 <= len(text) <= 600:
            return text
    return ""


def image(root: Any, objs: list[dict]) -> str:
    value = meta_content(root, "og:image", "twitter:image")
    if value:
        return value
    for obj in article_objects(objs):
        img = obj.get("image")
        img = img[0] if isinstance(img, list) and img else img
        if isinstance(img, str):
            return img
        if isinstance(img, dict) and isinstance(img.get("url"), str):
            return img["url"]
    return ""


def canonical(root: Any) -> str:
    for el in root.xpath("//link[@rel='canonical'][@href]"):
        return el.get("href").strip()
    return meta_content(root, "og:url")


def article_body(objs: list[dict]) -> str:
    """The story's text as the publisher's JSON-LD gives it (``articleBody``), or ""."""
    for obj in article_objects(objs):
        body = obj.get("articleBody")
        if isinstance(body, str) and body.strip():
            return body.strip()
    return ""


def headline(objs: list[dict]) -> str:
    for obj in article_objects(objs):
        if isinstance(obj.get("headline"), str):
            return tidy(obj["headline"])
    return ""


_CREDIT_CLASS = re.compile(r"credit|initials|signoff|sign-off|source|agency|byline|author|writer|dateline",
                           re.IGNORECASE)
_NAME = re.compile(r"^[^\d|:،,.«»()\-–—/]{3,40}$")


def credit_texts(root: Any) -> list[str]:
    """Short texts of elements marked as credits, bylines or sources («ع.ج/ ح.ز (رويترز)», «كتب - ...»),
    outside sidebars and related lists: the extractor sometimes drops them with the chrome, yet they
    carry the agencies and the authors."""
    out = []
    for el in root.xpath("//body//*[@class or @id]"):
        label = class_label(el)
        if el.tag in _HEADINGS or not _CREDIT_CLASS.search(label) or CHROME_CLASS.search(label) or in_chrome(el):
            continue  # a heading labels a byline block («معلومات عن الكاتب»); it credits nobody
        items = el.xpath("./ul/li | ./ol/li")  # a byline printed as a list: one credit per item
        for text in [_text(li) for li in items] if items else [_text(el)]:
            if 2 <= len(text) <= 80:
                out.append(text)
    return out


_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))


def name_like(text: str) -> bool:
    """Two to four words without digits or separators: a person's name as bylines print it."""
    return bool(_NAME.match(text)) and 2 <= len(text.split()) <= 4
