"""The ``watan`` sample site: a WordPress site on the Jannah theme, shaped like Al-Watan Syria.

The markup mirrors what leaks out of the real pages: the section label above the title, the
«| الوطن – وكالات» byline inside the post content, share buttons, «اقرأ أيضاً», a tag cloud, Jannah's
hidden back-to-top link and the «صحيفة الوطن» footer. One article is served deliberately broken.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from samples.catalog import SampleArticle
from samples.common import Page, SiteBase, e, html_page, paginate, tag_path, teaser

SITE_NAME = "صحيفة الوطن"
SECTIONS: dict[str, str] = {
    "syria": "سورية", "local": "محليات", "economy": "اقتصاد", "sports": "رياضة", "culture": "ثقافة وفن",
}
GO_TO_TOP = (
    '<a id="go-to-top" class="go-to-top-button" href="#go-to-top"><span class="tie-icon-angle-up"></span>'
    '<span class="screen-reader-text">زر الذهاب إلى الأعلى</span></a>'
)
# Bytes a broken CMS cache once spliced into a page: control characters and invalid UTF-8, no NUL.
JUNK = b"\x89PNG\r\n\x1a\n\x01\x02\x7f\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x90\x28\xbc\xfe\xff\x1b[0m\x07"
THEME_CSS = "/wp-content/themes/jannah/assets/css/base.min.css"
_CATEGORY = re.compile(r"^/category/([a-z]+)/(?:page/(\d+)/)?$")
_ARTICLE = re.compile(r"^/archives/\d+$")
_TAG = re.compile(r"^/tag/([^/]+)/$")


def section_slug(name: str) -> str:
    return next((slug for slug, label in SECTIONS.items() if label == name), "syria")


def byline(a: SampleArticle) -> str:
    if a.byline:
        return a.byline
    if a.authors:
        return "| " + "، ".join(a.authors)
    return "| الوطن – " + ("، ".join(a.agencies) or "خاص")


def visible_date(a: SampleArticle) -> str:
    return a.published_dt.strftime("%Y/%m/%d")


class WatanSite(SiteBase):
    name = "watan"
    publication = SITE_NAME
    robots_disallow = ("/wp-admin/",)
    sitemap_index_path = "/sitemap_index.xml"
    sitemap_paths = ("/post-sitemap.xml", "/news-sitemap.xml")
    feed_path = "/feed/"

    def route_html(self, path: str, query: str) -> Page | None:
        if path == "/":
            return html_page(self.listing("الرئيسية", self.articles[:8], "", 1, False, "home blog"))
        if _ARTICLE.match(path) and path in self.by_path:
            art = self.by_path[path]
            if "malformed" in art.flags:
                page = Page(200, "text/html; charset=UTF-8", self.malformed(art), art.modified_dt, True)
                return page
            return html_page(self.article(art), article=art)
        if m := _CATEGORY.match(path):
            slug, num = m.group(1), int(m.group(2) or 1)
            if slug not in SECTIONS or (m.group(2) and num < 2):
                return None
            items, more = paginate([a for a in self.articles if a.section == SECTIONS[slug]], num)
            if not items:
                return None
            return html_page(self.listing(SECTIONS[slug], items, f"/category/{slug}/", num, more, "archive category"))
        if m := _TAG.match(path):
            tag = unquote(m.group(1))
            items = [a for a in self.articles if tag in a.tags]
            if not items:
                return None
            return html_page(self.listing(tag, items, "", 1, False, "archive tag"))
        if path.startswith("/wp-admin/"):
            return html_page(self.layout("تسجيل الدخول", "wp-admin", "<p>لوحة التحكم: يجب تسجيل الدخول.</p>"))
        return None

    def feed(self) -> Page:
        return self.rss2(SITE_NAME, "صحيفة سورية يومية سياسية مستقلة", self.articles, self.feed_path)

    # -- chrome ------------------------------------------------------------------------------
    def head(self, title: str, extra: str = "") -> str:
        return (
            '<!DOCTYPE html>\n<html dir="rtl" lang="ar" class="">\n<head>\n<meta charset="UTF-8" />\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0" />\n'
            f"<title>{e(title)} - {SITE_NAME}</title>\n"
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME} &raquo; الخلاصة" '
            f'href="{e(self.abs(self.feed_path))}" />\n'
            f"<link rel='stylesheet' id='tie-css-base-css' href='{e(self.abs(THEME_CSS))}' "
            "type='text/css' media='all' />\n"
            f"{extra}</head>\n"
        )

    def header(self) -> str:
        items = "".join(
            f'<li id="menu-item-{i}" class="menu-item menu-item-type-taxonomy menu-item-object-category '
            f'menu-item-{i}"><a href="{e(self.abs(f"/category/{slug}/"))}">{e(name)}</a></li>'
            for i, (slug, name) in enumerate(SECTIONS.items(), start=101)
        )
        return (
            '<header id="theme-header" class="theme-header header-layout-3 main-nav-dark main-nav-below '
            'has-normal-width-logo mobile-header-default">\n<div class="container header-container">'
            '<div class="tie-row logo-row"><div class="logo-wrapper"><div class="tie-col-md-4 logo-container">'
            f'<div id="logo" class="image-logo"><a title="{SITE_NAME}" href="{e(self.abs("/"))}">'
            f'<img src="{e(self.abs("/wp-content/uploads/logo.png"))}" alt="{SITE_NAME}" width="300" height="70" />'
            f'<h1 class="h1-off">{SITE_NAME}</h1></a></div></div></div></div></div>\n'
            '<div class="main-nav-wrapper"><nav id="main-nav" class="main-nav header-nav" '
            'aria-label="القائمة الرئيسية"><div class="container"><div class="main-menu-wrapper">'
            f'<div id="main-nav-menu" class="main-menu header-menu"><ul id="menu-main" class="menu" role="menubar">'
            f'<li class="menu-item menu-item-home"><a href="{e(self.abs("/"))}">الرئيسية</a></li>{items}</ul></div>'
            '<ul class="components"><li class="search-compact-icon menu-item custom-menu-link">'
            '<a href="#" class="tie-search-trigger"><span class="tie-icon-search tie-search-icon"></span>'
            '<span class="screen-reader-text">بحث عن</span></a></li></ul></div></div></nav></div>\n</header>\n'
        )

    def sidebar(self) -> str:
        tags = sorted({t for a in self.articles for t in a.tags})
        cloud = " ".join(
            f'<a href="{e(self.abs(tag_path("/tag/", t)))}" class="tag-cloud-link" style="font-size: 12pt;">{e(t)}</a>'
            for t in tags
        )
        return (
            '<aside class="sidebar tie-col-md-4 tie-col-xs-12 normal-side is-sticky" aria-label="القائمة الجانبية">'
            '<div class="theiaStickySidebar"><div id="tag_cloud-2" class="container-wrapper widget widget_tag_cloud">'
            '<div class="widget-title the-global-title"><div class="the-subtitle">وسوم</div></div>'
            f'<div class="tagcloud">{cloud}</div><div class="clearfix"></div></div></div></aside>\n'
        )

    def footer(self) -> str:
        return (
            '<footer id="footer" class="site-footer dark-skin dark-widgetized-area">\n'
            '<div id="site-info" class="site-info site-info-layout-2"><div class="container"><div class="tie-row">'
            '<div class="tie-col-md-12"><div class="copyright-text copyright-text-first">'
            '&copy; حقوق النشر 2017، جميع الحقوق محفوظة لصحيفة الوطن</div>'
            '<div class="footer-menu"><ul id="menu-footer" class="menu">'
            f'<li class="menu-item"><a href="{e(self.abs("/about/"))}">من نحن</a></li>'
            f'<li class="menu-item"><a href="{e(self.abs("/contact/"))}">اتصل بنا</a></li>'
            f'<li class="menu-item"><a href="{e(self.abs("/wp-admin/"))}">دخول</a></li></ul></div>'
            "</div></div></div></div>\n</footer>\n"
            f"{GO_TO_TOP}\n"
            f'<div class="tie-footer-brand"><p class="site-brand-name">{SITE_NAME}</p></div>\n'
        )

    def layout(self, title: str, body_class: str, main: str, head_extra: str = "") -> str:
        return (
            f"{self.head(title, head_extra)}<body id=\"tie-body\" class=\"rtl {body_class} wrapper-has-shadow "
            'block-head-1 magazine1 is-desktop is-header-layout-3 sidebar-left has-sidebar">\n'
            '<div class="background-overlay">\n<div id="tie-container" class="site tie-container">\n'
            f'<div id="tie-wrapper">\n{self.header()}'
            '<div id="content" class="site-content container"><div id="main-content-row" '
            'class="tie-row main-content-row">\n<div class="main-content tie-col-md-8 tie-col-xs-12" role="main">\n'
            f"{main}</div><!-- .main-content -->\n{self.sidebar()}</div></div>\n{self.footer()}"
            "</div><!-- #tie-wrapper -->\n</div><!-- #tie-container -->\n</div><!-- .background-overlay -->\n"
            "</body>\n</html>\n"
        )

    # -- pages -------------------------------------------------------------------------------
    def article_head(self, a: SampleArticle) -> str:
        url = e(self.abs(a.url_path))
        tags = "".join(f'<meta property="article:tag" content="{e(t)}" />\n' for t in a.tags)
        author = f'<meta name="author" content="{e("، ".join(a.authors))}" />\n' if a.authors else ""
        return (
            f'<link rel="canonical" href="{url}" />\n<meta property="og:locale" content="ar_AR" />\n'
            f'<meta property="og:type" content="article" />\n<meta property="og:title" content="{e(a.title)}" />\n'
            f'<meta property="og:description" content="{e(teaser(a))}" />\n<meta property="og:url" content="{url}" />\n'
            f'<meta property="og:site_name" content="{SITE_NAME}" />\n{tags}'
            f'<meta property="article:section" content="{e(a.section)}" />\n'
            f'<meta property="article:published_time" content="{a.published}" />\n'
            f'<meta property="article:modified_time" content="{a.modified or a.published}" />\n{author}'
        )

    def entry_header(self, a: SampleArticle) -> str:
        slug = section_slug(a.section)
        cat = e(self.abs(f"/category/{slug}/"))
        views = 1000 + int(a.url_path.rsplit("/", 1)[-1]) % 3000
        return (
            '<header class="entry-header-outer">\n<nav id="breadcrumb">'
            f'<a href="{e(self.abs("/"))}"><span class="tie-icon-home" aria-hidden="true"></span> الرئيسية</a>'
            f'<em class="delimiter">/</em><a href="{cat}">{e(a.section)}</a><em class="delimiter">/</em>'
            f'<span class="current">{e(a.title)}</span></nav>\n<div class="entry-header">\n'
            '<span class="post-cat-wrap">'
            f'<a class="post-cat tie-cat-{len(slug)}" href="{cat}">{e(a.section)}</a></span>\n'
            f'<h1 class="post-title entry-title">{e(a.title)}</h1>\n'
            '<div id="single-post-meta" class="post-meta clearfix">'
            '<span class="author-meta single-author no-avatars"><span class="meta-item meta-author-wrapper">'
            f'<span class="meta-author"><a href="{e(self.abs("/archives/author/alwatan"))}" '
            'class="author-name tie-icon" '
            'title="الوطن">الوطن</a></span></span></span>'
            f'<span class="date meta-item tie-icon">{visible_date(a)}</span>'
            f'<div class="tie-alignright"><span class="meta-views meta-item"><span class="tie-icon-fire" '
            f'aria-hidden="true"></span> {views:,} </span><span class="meta-reading-time meta-item">'
            '<span class="tie-icon-bookmark" aria-hidden="true"></span> دقيقتان</span></div></div>\n'
            "</div>\n</header>\n"
        )

    def share(self, a: SampleArticle) -> str:
        url = e(self.abs(a.url_path))
        buttons = (
            ("facebook", f"https://www.facebook.com/sharer.php?u={url}", "فيسبوك"),
            ("twitter", f"https://twitter.com/intent/tweet?url={url}", "تويتر"),
            ("whatsapp", f"https://api.whatsapp.com/send?text={url}", "واتساب"),
            ("print", "#", "طباعة"),
        )
        links = "".join(
            f'<a href="{href}" rel="external noopener nofollow" title="{label}" target="_blank" '
            f'class="{cls}-share-btn large-share-button"><span class="share-btn-icon tie-icon-{cls}"></span> '
            f'<span class="social-text">{label}</span></a>'
            for cls, href, label in buttons
        )
        return (
            '<div id="share-buttons-bottom" class="share-buttons share-buttons-bottom">'
            f'<div class="share-links">{links}</div></div>\n'
        )

    def related(self, a: SampleArticle) -> str:
        others = [x for x in self.articles if x is not a]
        others.sort(key=lambda x: x.section != a.section)
        items = "".join(
            f'<div class="related-item tie-standard"><h3 class="post-title"><a href="{e(self.abs(x.url_path))}">'
            f'{e(x.title)}</a></h3><div class="post-meta clearfix"><span class="date meta-item tie-icon">'
            f"{visible_date(x)}</span></div></div>"
            for x in others[:3]
        )
        return (
            '<div class="post-components"><div id="related-posts" class="container-wrapper has-extra-post">'
            '<div class="mag-box-title the-global-title"><h3>اقرأ أيضاً</h3></div>'
            f'<div class="related-posts-list">{items}</div></div></div>\n'
        )

    def post_tags(self, a: SampleArticle) -> str:
        links = "".join(f'<a href="{e(self.abs(tag_path("/tag/", t)))}" rel="tag">{e(t)}</a>' for t in a.tags)
        return (
            '<div class="post-bottom-meta post-bottom-tags post-tags-modern"><div class="post-bottom-meta-title">'
            '<span class="tie-icon-tags" aria-hidden="true"></span> الوسوم</div>'
            f'<span class="tagcloud">{links}</span></div>\n'
        )

    def article(self, a: SampleArticle) -> str:
        paras = "\n".join(f"<p>{e(p)}</p>" for p in a.body)
        main = (
            '<article id="the-post" class="container-wrapper post-content tie-standard">\n'
            f"{self.entry_header(a)}"
            f'<div class="entry-content entry clearfix">\n<p><strong>{e(byline(a))}</strong></p>\n{paras}\n</div>\n'
            f'<div id="post-extra-info"><div class="theiaStickySidebar">{self.post_tags(a)}</div></div>\n'
            f'{self.share(a)}</article>\n{self.related(a)}'
        )
        return self.layout(a.title, "single single-post single-format-standard", main, self.article_head(a))

    def malformed(self, a: SampleArticle) -> bytes:
        """A real-world broken page: unclosed tags, stray closers, junk bytes, cut off mid-tag."""
        paras = "\n".join(f"<p>{e(p)}" for p in a.body)  # no </p>
        main = (
            '<article id="the-post" class="container-wrapper post-content tie-standard">\n'
            f"{self.entry_header(a)}"
            '<div class="entry-content entry clearfix">\n'
            f'<p><strong>{e(byline(a))}</strong>\n<div class="tie-inline">\n'
            f"{paras}\n</div></div></div></span></td>\n"
        )
        head = (
            f"{self.head(a.title, self.article_head(a))}<body id=\"tie-body\" class=\"rtl single single-post\">\n"
            f'<div id="tie-container" class="site tie-container">\n<div id="tie-wrapper">\n{self.header()}'
            '<div id="content" class="site-content container"><div class="main-content" role="main">\n'
        )
        tail = '\n<div class="post-components"><div id="related-posts" class="container-wrapper"><h3>اقرأ أيضاً</h3>' \
               f'<a href="{e(self.abs("/"))}" class="related-'
        return (head + main).encode("utf-8") + JUNK + tail.encode("utf-8")

    def listing(self, heading: str, items: list[SampleArticle], base: str, num: int, more: bool, kind: str) -> str:
        rows = "".join(
            '<li class="post-item tie-standard">'
            f'<a aria-label="{e(a.title)}" href="{e(self.abs(a.url_path))}" class="post-thumb">'
            f'<span class="post-cat-wrap"><span class="post-cat">{e(a.section)}</span></span></a>'
            f'<div class="post-details"><div class="post-meta clearfix"><span class="date meta-item tie-icon">'
            f'{visible_date(a)}</span></div><h2 class="post-title"><a href="{e(self.abs(a.url_path))}">{e(a.title)}'
            f'</a></h2><p class="post-excerpt">{e(teaser(a))}</p><a class="more-link button" '
            f'href="{e(self.abs(a.url_path))}">أكمل القراءة &raquo;</a></div></li>\n'
            for a in items
        )
        nav = ""
        if base and (more or num > 1):
            def at(n: int) -> str:
                return e(self.abs(base if n == 1 else f"{base}page/{n}/"))
            prev = f'<a class="prev page-numbers" href="{at(num - 1)}">&laquo; السابق</a>' if num > 1 else ""
            nxt = f'<a class="next page-numbers" href="{at(num + 1)}">التالي &raquo;</a>' if more else ""
            nav = (
                '<div class="pages-nav"><nav class="navigation pagination" aria-label="الصفحات"><div class="nav-links">'
                f'{prev}<span aria-current="page" class="page-numbers current">{num}</span>{nxt}</div></nav></div>\n'
            )
        main = (
            f'<header class="entry-header-outer container-wrapper"><h1 class="page-title">{e(heading)}</h1></header>\n'
            '<div class="mag-box wide-post-box"><div class="container-wrapper"><div class="mag-box-container clearfix">'
            f'<ul id="posts-container" class="posts-items">\n{rows}</ul></div></div></div>\n{nav}'
        )
        return self.layout(heading, kind, main)
