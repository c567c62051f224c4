# ruff: noqa: E501 - the templates keep one element per line, like the page source they imitate
"""Page templates of the gold set: nine families of Arabic news markup, each with its own chrome.

Every template renders one :class:`GoldArticle` the way a real CMS of that kind would, including the
parts an extractor must leave out (menus, share bars, «اقرأ أيضاً» boxes, tag clouds, photo credits,
comments, related lists, copyright lines, syndication trailers). Each family returns the page and the
chrome phrases it used, so the harness can count which of them leak into the extracted text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

EASTERN = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LEVANTINE = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
             "تشرين الأول", "تشرين الثاني", "كانون الأول")
GULF = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
        "نوفمبر", "ديسمبر")
WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
HIJRI = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان",
         "رمضان", "شوال", "ذو القعدة", "ذو الحجة")


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class GoldArticle:
    """One gold page's story and the metadata a perfect extractor returns for it."""

    key: str
    family: str
    url: str
    title: str
    paragraphs: list[str]
    published: datetime
    modified: datetime | None
    fetched: datetime
    section: str
    authors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    original_source: str = ""
    tags: list[str] = field(default_factory=list)
    image: str = ""
    canonical_url: str = ""
    subtitle: str = ""
    related: list[tuple[str, str]] = field(default_factory=list)  # (headline, teaser) of other stories
    variant: int = 0  # selects per-page differences within a family (credit style, date form ...)
    relative_date: str = ""  # the relative form the page prints, for the "relative" family


@dataclass(frozen=True)
class Family:
    name: str
    site: str
    base_url: str
    timezone: str
    charset: str
    sections: tuple[str, ...]
    render: Callable[[GoldArticle], tuple[str, list[str]]]


def paras_html(a: GoldArticle, skip_first: bool = False) -> str:
    body = a.paragraphs[1:] if skip_first else a.paragraphs
    return "\n".join(f"<p>{e(p)}</p>" for p in body)


def gulf_date(d: datetime, digits: dict | None = None, weekday: bool = True, clock: bool = True) -> str:
    hour = d.hour % 12 or 12
    text = f"{d.day} {GULF[d.month - 1]} {d.year}"
    if weekday:
        text = f"{WEEKDAYS[d.weekday()]} {text}"
    if clock:
        text += f" - {hour}:{d.minute:02d} {'ص' if d.hour < 12 else 'م'}"
    return text.translate(digits) if digits else text


def social(labels: tuple[str, ...] = ("فيسبوك", "تويتر", "واتساب", "تلغرام")) -> str:
    return "".join(f'<a class="share-{i}" href="#s{i}" rel="nofollow"><span>{e(x)}</span></a>'
                   for i, x in enumerate(labels))


# --- 1. WordPress, Jannah theme ---------------------------------------------------------------------
def jannah(a: GoldArticle) -> tuple[str, list[str]]:
    site = "صحيفة المدار"
    byline = "| المدار – وكالات" if "وكالات" in a.agencies else "| الرياض – المدار"
    read_also = a.related[0][0]
    figure = (f'<figure class="wp-caption aligncenter"><img src="{e(a.image)}" alt="" width="780" height="470">'
              f'<figcaption class="wp-caption-text">تصوير: ماجد العتيبي</figcaption></figure>')
    body = [f"<p><strong>{e(byline)}</strong></p>", figure]
    for i, p in enumerate(a.paragraphs):
        body.append(f"<p>{e(p)}</p>")
        if i == 1:
            body.append(f'<p><strong>اقرأ أيضاً:</strong> <a href="/archives/{900 + i}">{e(read_also)}</a></p>')
    tags = "".join(f'<a href="/tag/{e(t)}/" rel="tag">{e(t)}</a>' for t in a.tags)
    related = "".join(f'<div class="related-item"><h3 class="post-title"><a href="/archives/{700 + i}">{e(h)}</a>'
                      f'</h3><span class="date meta-item">{a.published:%Y/%m/%d}</span></div>'
                      for i, (h, _) in enumerate(a.related[1:4]))
    page = f"""<!DOCTYPE html>
<html dir="rtl" lang="ar"><head><meta charset="UTF-8" />
<title>{e(a.title)} - {site}</title>
<link rel="canonical" href="{e(a.url)}" />
<meta property="og:locale" content="ar_AR" /><meta property="og:type" content="article" />
<meta property="og:title" content="{e(a.title)} - {site}" />
<meta property="og:url" content="{e(a.url)}" /><meta property="og:site_name" content="{site}" />
<meta property="og:image" content="{e(a.image)}" />
<meta property="article:section" content="{e(a.section)}" />
{''.join(f'<meta property="article:tag" content="{e(t)}" />' for t in a.tags)}
<meta property="article:published_time" content="{a.published.isoformat()}" />
<meta property="article:modified_time" content="{a.modified.isoformat() if a.modified else ''}" />
</head>
<body id="tie-body" class="rtl single single-post">
<div id="tie-container" class="site tie-container"><div id="tie-wrapper">
<header id="theme-header" class="theme-header"><div class="logo"><a href="/"><h1 class="h1-off">{site}</h1></a></div>
<nav id="main-nav"><ul class="menu"><li><a href="/">الرئيسية</a></li><li><a href="/category/local/">محليات</a></li>
<li><a href="/category/economy/">اقتصاد</a></li><li><a href="/category/world/">دولي</a></li></ul></nav></header>
<div id="content" class="site-content container"><div class="main-content" role="main">
<article id="the-post" class="container-wrapper post-content">
<header class="entry-header-outer"><div class="entry-header"><span class="post-cat-wrap">
<a class="post-cat" href="/category/x/">{e(a.section)}</a></span>
<h1 class="post-title entry-title">{e(a.title)}</h1>
<div class="post-meta"><span class="date meta-item">{a.published:%Y/%m/%d}</span>
<span class="meta-views meta-item">{1200 + a.variant * 37} مشاهدة</span><span class="meta-reading-time">دقيقتان</span></div>
</div></header>
<div class="entry-content entry clearfix">
{chr(10).join(body)}
</div>
<div class="post-bottom-meta post-bottom-tags"><div class="post-bottom-meta-title">الوسوم</div>
<span class="tagcloud">{tags}</span></div>
<div id="share-buttons-bottom" class="share-buttons">{social(("فيسبوك", "تويتر", "واتساب", "طباعة"))}</div>
</article>
<div id="related-posts" class="container-wrapper"><div class="mag-box-title"><h3>مقالات ذات صلة</h3></div>
<div class="related-posts-list">{related}</div></div>
</div>
<aside class="sidebar"><div class="widget social-icons-widget"><div class="widget-title">تابعونا على</div>
<ul>{social(("فيسبوك", "تويتر", "يوتيوب", "انستغرام"))}</ul></div>
<div class="widget widget_tag_cloud"><div class="widget-title">وسوم</div><div class="tagcloud">
<a href="/tag/a/">السعودية</a> <a href="/tag/b/">الرياض</a> <a href="/tag/c/">اقتصاد</a></div></div></aside>
</div>
<footer id="footer"><div class="copyright-text">&copy; حقوق النشر 2015، جميع الحقوق محفوظة لصحيفة المدار</div></footer>
<a id="go-to-top" class="go-to-top-button" href="#go-to-top"><span class="screen-reader-text">زر الذهاب إلى الأعلى</span></a>
</div></div></body></html>
"""
    chrome = ["زر الذهاب إلى الأعلى", "مقالات ذات صلة", "تابعونا على", "اقرأ أيضاً", "تصوير: ماجد العتيبي",
              "جميع الحقوق محفوظة", "الوسوم", byline, read_also, *(h for h, _ in a.related[1:4])]
    return page, chrome


# --- 2. DW-like component markup ----------------------------------------------------------------------
def dw(a: GoldArticle) -> tuple[str, list[str]]:
    stamp = f"{a.published:%d.%m.%Y}"
    title = f"{a.title} – DW – {stamp}"
    credit = f"ع.ج/ ح.ز ({'، '.join(a.agencies)})" if a.agencies else "م.س"
    ld = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
        "description": a.subtitle, "mainEntityOfPage": a.url, "inLanguage": "ar",
        "datePublished": a.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "dateModified": (a.modified or a.published).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "articleSection": a.section, "image": {"@type": "ImageObject", "url": a.image},
        "author": [{"@type": "Person", "name": n} for n in a.authors]
        or [{"@type": "Organization", "name": "Deutsche Welle"}],
        "publisher": {"@type": "Organization", "name": "Deutsche Welle"},
    }
    related = "".join(f'<li><a class="teaser" href="/ar/x/a-{5000 + i}"><span class="kicker">{e(a.section)}</span>'
                      f'<h3>{e(h)}</h3><p class="teaser-text">{e(t)}</p></a></li>'
                      for i, (h, t) in enumerate(a.related[:4]))
    authors = "".join(f'<span class="author-name">{e(n)}</span>' for n in a.authors)
    page = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(title)}</title>
<meta name="description" content="{e(a.subtitle)}">
<link rel="canonical" href="{e(a.url)}">
<meta property="og:title" content="{e(title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="og:site_name" content="DW"><meta property="og:type" content="article">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body class="dw-page rtl"><div id="root"><header class="masthead"><a class="logo" href="/ar/">DW</a>
<nav><ul><li><a href="/ar/politics">سياسة</a></li><li><a href="/ar/economy">اقتصاد</a></li>
<li><a href="/ar/culture">ثقافة ومجتمع</a></li><li><a href="/ar/">المزيد</a></li></ul></nav></header>
<main class="content-area"><article class="article-page">
<header class="article-head"><a class="kicker" href="/ar/s-9106">{e(a.section)}</a>
<h1 class="headline">{e(a.title)}</h1>
<div class="meta-line">{authors}<time class="publication-date" datetime="{a.published.isoformat()}">{stamp}</time></div>
</header>
<div class="rich-text article-body">
<p class="teaser-text intro"><strong>{e(a.paragraphs[0])}</strong></p>
<figure class="image"><img src="{e(a.image)}" alt=""><figcaption><span class="caption">صورة من الأرشيف</span>
<span class="credit">صورة من: picture-alliance/dpa</span></figcaption></figure>
{paras_html(a, skip_first=True)}
<p class="credit-initials">{e(credit)}</p>
</div>
<footer class="article-foot"><div class="share-bar"><span>شارك الخبر</span>{social(("فيسبوك", "تويتر", "البريد الإلكتروني"))}</div></footer>
</article>
<section class="related-content"><h2>المزيد من المواضيع</h2><ul>{related}</ul></section></main>
<footer class="page-footer"><section class="follow-us"><h2>تابعونا</h2>{social(("فيسبوك", "تويتر", "يوتيوب"))}</section>
<p class="imprint">&copy; 2015 Deutsche Welle | حماية البيانات | بيانات النشر</p></footer></div></body></html>
"""
    chrome = ["شارك الخبر", "المزيد من المواضيع", "تابعونا", "picture-alliance", "صورة من الأرشيف", "حماية البيانات",
              credit, *(h for h, _ in a.related[:4]), *(t for _, t in a.related[:4])]
    return page, chrome


# --- 3. SANA-like agency site -------------------------------------------------------------------------
def sana(a: GoldArticle) -> tuple[str, list[str]]:
    d = a.published
    visible = f"{d.day} {LEVANTINE[d.month - 1]}، {d.year} {d.hour:02d}:{d.minute:02d}"
    city = ("دمشق", "حمص", "حلب", "اللاذقية", "طرطوس")[a.variant % 5]
    latest = "".join(f'<li><a href="/?p={800 + i}">{e(h)}</a><span class="d">{d.day} {LEVANTINE[d.month - 1]}، '
                     f'{d.year}</span></li>' for i, (h, _) in enumerate(a.related[:6]))
    telegram = "تابعوا آخر الأخبار عبر تطبيق التلغرام على الهواتف الذكية عبر الرابط: https://t.me/SyrianArabNewsAgency"
    signoff = ("رشا محفوض", "هـ.ع", "ميس العاني", "م.ح", "ص.ع")[a.variant % 5]
    page = f"""<!DOCTYPE html>
<html dir="rtl" lang="ar"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{e(a.title)} &#8211; سانا</title>
<meta property="og:title" content="{e(a.title)}" />
<meta property="og:image" content="{e(a.image)}" />
<meta property="article:modified_time" content="{a.modified.isoformat() if a.modified else ''}" />
<link rel="canonical" href="{e(a.url)}" />
</head><body class="single">
<div id="top-bar"><span class="today">{WEEKDAYS[d.weekday()]}، {d.day} {LEVANTINE[d.month - 1]} {d.year}</span>
<ul class="top-menu"><li><a href="/">الرئيسية</a></li><li><a href="/?cat=1">سياسة</a></li><li><a href="/?cat=2">محليات</a></li>
<li><a href="/?cat=3">اقتصاد</a></li><li><a href="/?page_id=5">اتصل بنا</a></li></ul></div>
<div id="main"><div class="content">
<div class="breadcrumbs"><a href="/">الرئيسية</a> » <a href="/?cat=9">{e(a.section)}</a></div>
<div class="post-inner"><h1 class="name post-title entry-title"><span itemprop="name">{e(a.title)}</span></h1>
<p class="post-meta"><span class="tie-date">{e(visible)}</span> <span class="post-views">1,024 مشاهدة</span></p>
<div class="clear"></div>
<div class="entry">
<p>{city}-سانا</p>
{paras_html(a)}
<p>{e(signoff)}</p>
<p>{e(telegram)}</p>
</div>
<div class="share-post"><span class="share-text">شارك</span>{social()}</div>
<p class="post-tag">كلمات مفتاحية {' '.join(f'<a href="/?tag={i}">{e(t)}</a>' for i, t in enumerate(a.tags))}</p>
</div></div>
<aside id="sidebar"><div class="widget"><div class="widget-top"><h4>آخر الأخبار</h4></div><ul>{latest}</ul></div></aside>
</div>
<footer><div class="footer-bottom">جميع الحقوق محفوظة &copy; الوكالة العربية السورية للأنباء 2015</div></footer>
</body></html>
"""
    chrome = [telegram, "تابعوا آخر الأخبار", "كلمات مفتاحية", "آخر الأخبار", "جميع الحقوق محفوظة", f"{city}-سانا",
              *(h for h, _ in a.related[:6])]
    if len(signoff) <= 4:
        chrome.append(signoff)
    return page, chrome


# --- 4. Table-layout aggregator republishing DW copy ----------------------------------------------------
def aggregator(a: GoldArticle) -> tuple[str, list[str]]:
    d = a.published
    hour = d.hour % 12 or 12
    visible = (f"{WEEKDAYS[d.weekday()]} {d.day} {LEVANTINE[d.month - 1]} {d.year} - {hour}:{d.minute:02d} "
               f"{'ص' if d.hour < 12 else 'م'}").translate(EASTERN)
    signoff = f"ع.ج/ ح.ز ({'، '.join(a.agencies)})" if a.agencies else ""
    text = "<br /><br />\n".join(e(p) for p in a.paragraphs)
    if signoff:
        text += f"<br />\n{e(signoff)}"
    text += ('<br /><br />\nهذا المحتوى من موقع دوتش فيل <a href="https://dw-ar.example/ar/a-1" target="_blank">'
             "اضغط هنا لعرض الموضوع بالكامل</a>")
    most = "".join(f'<li><a href="/news/{3000 + i}.html">{e(h)}</a></li>' for i, (h, _) in enumerate(a.related[:5]))
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="rtl" lang="ar"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{e(a.title)} - بوابة الشام</title></head>
<body><div id="wrapper"><div id="top-bar"><a href="/">بوابة الشام</a>
<form action="/search.php"><input type="text" name="q" /><input type="submit" value="بحث" /></form></div>
<div id="nav"><a href="/">الرئيسية</a> | <a href="/cat/arab.html">أخبار عربية</a> | <a href="/cat/world.html">دولية</a> | <a href="/cat/eco.html">اقتصاد</a></div>
<table width="100%" cellpadding="0" cellspacing="0"><tr><td valign="top" class="main-col">
<div class="news-box"><div class="path"><a href="/cat/x.html">{e(a.section)}</a></div>
<h2 class="news-title">{e(a.title)}</h2>
<div class="news-info"><span class="news-date">{visible}</span> | <span class="news-source">المصدر: دوتش فيله</span></div>
<div class="news-text">
{text}
</div>
<div class="news-tools"><a href="javascript:window.print()">طباعة</a> | <a href="#" class="send-friend">أرسل لصديق</a></div>
</div></td>
<td valign="top" width="250" class="side-col"><div class="side-box"><div class="side-title">الأكثر قراءة</div><ol>{most}</ol></div></td></tr></table>
<div id="footer">جميع الحقوق محفوظة &copy; بوابة الشام 2015</div></div></body></html>
"""
    chrome = ["هذا المحتوى من موقع دوتش فيل", "اضغط هنا لعرض الموضوع بالكامل", "الأكثر قراءة", "أرسل لصديق",
              "جميع الحقوق محفوظة", "المصدر: دوتش فيله", *(h for h, _ in a.related[:5])]
    if signoff:
        chrome.append(signoff)
    return page, chrome


# --- 5. AMP ---------------------------------------------------------------------------------------------
def amp(a: GoldArticle) -> tuple[str, list[str]]:
    ld = {
        "@context": "http://schema.org", "@type": "NewsArticle", "headline": a.title,
        "datePublished": a.published.isoformat(), "dateModified": (a.modified or a.published).isoformat(),
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.canonical_url},
        "image": {"@type": "ImageObject", "url": a.image, "width": 1200, "height": 675},
        "author": [{"@type": "Person", "name": n} for n in a.authors] or {"@type": "Organization", "name": "عاجل"},
        "publisher": {"@type": "Organization", "name": "عاجل", "logo": {"@type": "ImageObject", "url": "/logo.png"}},
    }
    by = f'<div class="byline">بقلم: <a href="/author/1">{e(a.authors[0])}</a></div>' if a.authors else ""
    also = "".join(f'<li><a href="/amp/news/{4000 + i}">{e(h)}</a></li>' for i, (h, _) in enumerate(a.related[:4]))
    page = f"""<!doctype html>
<html ⚡ lang="ar" dir="rtl"><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-social-share" src="https://cdn.ampproject.org/v0/amp-social-share-0.1.js"></script>
<title>{e(a.title)} | عاجل</title>
<link rel="canonical" href="{e(a.canonical_url)}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both}}</style>
<style amp-custom>.article-body p{{line-height:1.9}}</style>
</head><body>
<amp-sidebar id="menu" layout="nodisplay" side="right"><ul><li><a href="/amp/">الرئيسية</a></li>
<li><a href="/amp/local">محليات</a></li><li><a href="/amp/sport">رياضة</a></li><li><a href="/amp/world">العالم</a></li></ul></amp-sidebar>
<header class="amp-header"><button on="tap:menu.toggle">القائمة</button><a href="/amp/" class="logo">عاجل</a></header>
<article class="amp-article">
<div class="amp-category"><a href="/amp/s/1">{e(a.section)}</a></div>
<h1 class="amp-title">{e(a.title)}</h1>
{by}
<div class="amp-meta"><span class="amp-date">{gulf_date(a.published)}</span></div>
<amp-img src="{e(a.image)}" width="1200" height="675" layout="responsive" alt="{e(a.title)}"></amp-img>
<p class="photo-credit">(تصوير: عاجل)</p>
<div class="amp-share"><span>شارك:</span><amp-social-share type="twitter" width="40" height="40"></amp-social-share>
<amp-social-share type="whatsapp" width="40" height="40"></amp-social-share></div>
<div class="article-body">
{paras_html(a)}
<p class="follow">تابعونا على تويتر @ajelnews</p>
</div>
<div class="related"><h3>اقرأ أيضاً</h3><ul>{also}</ul></div>
</article>
<footer class="amp-footer"><a href="{e(a.canonical_url)}">عرض النسخة الكاملة</a><p>© 2015 عاجل. جميع الحقوق محفوظة</p></footer>
</body></html>
"""
    chrome = ["تابعونا على تويتر", "اقرأ أيضاً", "(تصوير: عاجل)", "عرض النسخة الكاملة", "جميع الحقوق محفوظة",
              "شارك:", *(h for h, _ in a.related[:4])]
    return page, chrome


# --- 6. Legacy table layout in windows-1256 --------------------------------------------------------------
def legacy(a: GoldArticle) -> tuple[str, list[str]]:
    d = a.published
    hday = (d.day + 14) % 29 + 1
    visible = f"{WEEKDAYS[d.weekday()]} {hday} {HIJRI[(d.month + 2) % 12]} 1436هـ - {d.day} {GULF[d.month - 1]} {d.year}م"
    writer = f'<tr><td class="writer">كتب - {e(a.authors[0])}</td></tr>' if a.authors else ""
    text = "<br><br>\n".join(e(p) for p in [*a.paragraphs, LEGACY_NOTE])
    others = "".join(f'<tr><td><img src="/img/arrow.gif"> <a href="/news.php?id={6000 + i}">{e(h)}</a></td></tr>'
                     for i, (h, _) in enumerate(a.related[:6]))
    page = f"""<html dir="rtl">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">
<title>جريدة الأفق :: {e(a.title)}</title>
</head>
<body bgcolor="#FFFFFF" topmargin="0">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td colspan="2"><img src="/img/banner.jpg" width="980" height="120" alt="جريدة الأفق"></td></tr>
<tr><td colspan="2" class="menu"><a href="/">الرئيسية</a> | <a href="/sec.php?id=1">محليات</a> | <a href="/sec.php?id=2">اقتصاد</a> | <a href="/sec.php?id=3">رياضة</a> | <a href="/archive.php">الأرشيف</a></td></tr>
<tr><td width="730" valign="top">
<table width="100%" border="0" cellpadding="4">
<tr><td class="nav-path"><a href="/">الرئيسية</a> &gt; <a href="/sec.php?id=7">{e(a.section)}</a></td></tr>
<tr><td class="date"><font color="#999999" size="2">{visible}</font></td></tr>
<tr><td class="title"><font size="4" color="#003366"><b>{e(a.title)}</b></font></td></tr>
{writer}
<tr><td class="text"><font size="3">
{text}
</font></td></tr>
<tr><td class="tools"><a href="/print.php">طباعة الخبر</a> | <a href="/send.php">أرسل الخبر لصديق</a> | <a href="javascript:history.back()">عودة</a></td></tr>
<tr><td class="counter">عدد القراءات: {2000 + a.variant * 311}</td></tr>
</table></td>
<td width="250" valign="top"><table width="100%" class="side"><tr><td class="side-title"><b>أخبار أخرى</b></td></tr>{others}</table></td></tr>
<tr><td colspan="2" align="center" class="footer"><font size="1">جميع الحقوق محفوظة لجريدة الأفق © 2015</font></td></tr>
</table></body></html>
"""
    chrome = [LEGACY_NOTE, "طباعة الخبر", "أرسل الخبر لصديق", "عدد القراءات", "أخبار أخرى", "جميع الحقوق محفوظة", "شوال",
              *(h for h, _ in a.related[:6])]
    return page, chrome


# Site-specific lines inside the story markup that no generic rule knows: only learning finds them.
JSONLD_PROMO = "لمتابعة آخر المستجدات لحظة بلحظة حمّلوا تطبيق المنصة على هواتفكم الذكية"
LEGACY_NOTE = "نشرت هذه المادة في النسخة الورقية من جريدة الأفق"
COMMENTS_NOTE = "الآراء الواردة في التعليقات تعبر عن أصحابها ولا تعبر عن رأي الميدان اليوم"
RELATIVE_PROMO = "للاشتراك في خدمة سبق الآن الإخبارية على الجوال أرسل كلمة أخبار إلى الرقم 88555"


# --- 7. JSON-LD heavy, component markup ---------------------------------------------------------------------
def jsonld(a: GoldArticle) -> tuple[str, list[str]]:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "@id": "https://almanassa.example/#org", "name": "المنصة",
             "logo": {"@type": "ImageObject", "url": "https://almanassa.example/logo.png"}},
            {"@type": "WebSite", "@id": "https://almanassa.example/#site", "name": "المنصة",
             "publisher": {"@id": "https://almanassa.example/#org"}, "inLanguage": "ar"},
            {"@type": "WebPage", "@id": a.url, "url": a.url, "name": f"{a.title} | المنصة",
             "datePublished": "2010-01-01T00:00:00+00:00", "breadcrumb": {"@id": a.url + "#bc"}},
            {"@type": "BreadcrumbList", "@id": a.url + "#bc", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "الرئيسية", "item": "https://almanassa.example/"},
                {"@type": "ListItem", "position": 2, "name": a.section, "item": "https://almanassa.example/s/2"},
                {"@type": "ListItem", "position": 3, "name": a.title}]},
            {"@type": "NewsArticle", "@id": a.url + "#article", "headline": a.title,
             "alternativeHeadline": a.subtitle, "description": a.subtitle,
             "datePublished": a.published.isoformat(), "dateModified": (a.modified or a.published).isoformat(),
             "articleSection": [a.section], "keywords": a.tags, "inLanguage": "ar",
             "author": [{"@type": "Person", "name": n, "url": f"https://almanassa.example/u/{i}"}
                        for i, n in enumerate(a.authors)],
             "image": [{"@type": "ImageObject", "url": a.image, "caption": "صورة تعبيرية"}],
             "articleBody": "\n".join(a.paragraphs), "isPartOf": {"@id": a.url},
             "publisher": {"@id": "https://almanassa.example/#org"}},
        ],
    }
    chunks = []
    for i, p in enumerate(a.paragraphs[1:], start=1):
        chunks.append(f'<div class="block block--text"><p class="text">{e(p)}</p></div>')
        if i == 1:
            chunks.append('<div class="block block--ad"><span class="ad-label">إعلان</span><div id="ad-slot-1"></div></div>')
        if i == 2:
            chunks.append(f'<aside class="block block--read-more"><span class="label">اقرأ أيضاً</span>'
                          f'<a href="/n/{9100 + i}"><span>{e(a.related[0][0])}</span></a></aside>')
    chunks.append(f'<div class="block block--text"><p class="text">{e(JSONLD_PROMO)}</p></div>')
    chunks.append('<div class="block block--newsletter"><h4>اشترك في نشرتنا البريدية</h4>'
                  '<p>احصل على أهم الأخبار يومياً في بريدك</p><input type="email" placeholder="بريدك الإلكتروني">'
                  '<button>اشتراك</button></div>')
    authors = "، ".join(f'<a class="author" href="/u/{i}">{e(n)}</a>' for i, n in enumerate(a.authors))
    more = "".join(f'<div class="card"><a href="/n/{9200 + i}"><h4>{e(h)}</h4></a><p>{e(t)}</p></div>'
                   for i, (h, t) in enumerate(a.related[1:5]))
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} | المنصة</title>
<meta name="description" content="{e(a.subtitle)}">
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<link rel="canonical" href="{e(a.url)}">
<script type="application/ld+json">{json.dumps(graph, ensure_ascii=False)}</script>
<script>window.__STATE__={{"user":null,"ads":true}};</script>
</head><body><div id="__next"><div class="layout">
<div class="topbar"><a class="brand" href="/">المنصة</a><nav class="menu"><a href="/s/1">سياسة</a><a href="/s/2">اقتصاد</a>
<a href="/s/3">تكنولوجيا</a><a href="/s/4">رياضة</a></nav><a class="subscribe" href="/subscribe">اشترك الآن</a></div>
<main><div class="story">
<ol class="crumbs"><li><a href="/">الرئيسية</a></li><li><a href="/s/2">{e(a.section)}</a></li></ol>
<h1 class="story__title">{e(a.title)}</h1>
<p class="story__lead">{e(a.paragraphs[0])}</p>
<div class="story__meta">{authors}<span class="story__date">{a.published:%d/%m/%Y %H:%M}</span></div>
<figure class="story__image"><img src="{e(a.image)}" alt=""><figcaption>صورة تعبيرية (المنصة)</figcaption></figure>
<div class="story__body">
{chr(10).join(chunks)}
</div>
<div class="story__tags">{' '.join(f'<a href="/t/{i}">#{e(t)}</a>' for i, t in enumerate(a.tags))}</div>
</div>
<section class="more"><h3>المزيد من المنصة</h3>{more}</section></main>
<footer class="footer"><p>جميع الحقوق محفوظة © المنصة 2015</p><a href="/privacy">سياسة الخصوصية</a></footer>
</div></div></body></html>
"""
    chrome = [JSONLD_PROMO, "إعلان", "اقرأ أيضاً", "اشترك في نشرتنا البريدية", "احصل على أهم الأخبار", "صورة تعبيرية",
              "المزيد من المنصة", "جميع الحقوق محفوظة", "سياسة الخصوصية", a.related[0][0],
              *(h for h, _ in a.related[1:5]), *(t for _, t in a.related[1:5])]
    return page, chrome


# --- 8. Comments and long related lists ------------------------------------------------------------------
COMMENTERS = ("أبو فهد", "سعود", "مواطن غيور", "نورة", "عبدالله الشمري", "متابع", "أم خالد", "ابن الجنوب")
COMMENTS = (
    "كلام جميل ونتمنى أن نرى التطبيق على أرض الواقع قريباً، فالمواطن ينتظر منذ سنوات طويلة.",
    "الله يعطيكم العافية على هذا التقرير المفصل، لكن ليتكم تسألون المختصين عن رأيهم في الموضوع.",
    "هذا الخبر مكرر ونشر قبل أسبوع في أكثر من صحيفة، أين الجديد فيه؟",
    "أتفق مع ما جاء في الخبر، والمسؤولية مشتركة بين الجهات الحكومية والمواطن نفسه في المقام الأول.",
    "نريد حلولاً عملية وليس وعوداً، وقد تعبنا من الانتظار والتصريحات التي لا تتحقق على الأرض.",
    "شكراً للكاتب على طرح هذه القضية المهمة التي تمس حياة الناس اليومية في كل مدينة وقرية.",
    "في رأيي أن المشكلة أعمق من ذلك بكثير، وتحتاج إلى دراسة شاملة تشارك فيها كل الأطراف المعنية.",
    "يا ليت المسؤولين يقرأون التعليقات ويستمعون لصوت الناس قبل اتخاذ أي قرار جديد.",
)


def comments(a: GoldArticle) -> tuple[str, list[str]]:
    d = a.published
    source_line = "المصدر: سكاي نيوز عربية" if a.original_source else ""
    tags_line = "كلمات دالة: " + "، ".join(a.tags)
    body = [f"<p><strong>كتب: {e(a.authors[0])}</strong></p>"] if a.authors else []
    body += [f"<p>{e(p)}</p>" for p in a.paragraphs]
    if source_line:
        body.append(f"<p>{e(source_line)}</p>")
    body.append(f'<p class="keywords">{e(tags_line)}</p>')
    body.append(f"<p><em>{e(COMMENTS_NOTE)}</em></p>")
    n = 6 + a.variant % 3
    replies = "".join(
        f'<li class="comment"><div class="comment-author"><b>{e(COMMENTERS[(a.variant + i) % 8])}</b> '
        f'<span class="comment-date">{gulf_date(d, weekday=False)}</span></div>'
        f'<div class="comment-body"><p>{e(COMMENTS[(a.variant * 3 + i) % 8])}</p></div>'
        '<a class="reply" href="#">رد</a> <span class="likes">أعجبني (3)</span></li>'
        for i in range(n))
    related = "".join(f'<li><a href="/news/{7000 + i}"><h4>{e(h)}</h4></a><p class="teaser">{e(t)}</p></li>'
                      for i, (h, t) in enumerate(a.related))
    most = "".join(f'<li><span class="rank">{i + 1}</span><a href="/news/{7500 + i}">{e(h)}</a></li>'
                   for i, (h, _) in enumerate(a.related[::-1][:10]))
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} | الميدان اليوم</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<link rel="canonical" href="{e(a.url)}">
</head><body class="news-page">
<header class="site-header"><a class="logo" href="/">الميدان اليوم</a><ul class="nav"><li><a href="/">الرئيسية</a></li>
<li><a href="/c/1">أخبار محلية</a></li><li><a href="/c/2">اقتصاد</a></li><li><a href="/c/3">رأي</a></li><li><a href="/c/4">رياضة</a></li></ul></header>
<div class="container"><div class="col-main">
<article class="news-article">
<div class="breadcrumb"><a href="/">الرئيسية</a> / <a href="/c/9">{e(a.section)}</a></div>
<h1 class="news-title">{e(a.title)}</h1>
<div class="news-meta"><time datetime="{d.isoformat()}">{gulf_date(d)}</time> <span class="views">قراءة: 5,210</span></div>
<div class="news-image"><img src="{e(a.image)}" alt=""><span class="caption">أرشيفية</span></div>
<div class="news-body">
{chr(10).join(body)}
</div>
<div class="share"><span>شارك هذا المقال</span>{social()}</div>
</article>
<section class="comments-area" id="comments"><h3>التعليقات ({n})</h3><ol class="comment-list">{replies}</ol>
<form class="comment-form"><h4>أضف تعليقك</h4><textarea></textarea><button>إرسال</button></form></section>
<section class="related-news"><h3>أخبار ذات صلة</h3><ul>{related}</ul></section>
</div>
<aside class="col-side"><div class="box most-read"><h3>الأكثر قراءة</h3><ol>{most}</ol></div></aside></div>
<footer class="site-footer"><p>جميع الحقوق محفوظة © الميدان اليوم 2015</p></footer>
</body></html>
"""
    chrome = [COMMENTS_NOTE, "شارك هذا المقال", "التعليقات", "أضف تعليقك", "أخبار ذات صلة", "الأكثر قراءة", "جميع الحقوق محفوظة",
              "أرشيفية", "كلمات دالة", *(COMMENTS[(a.variant * 3 + i) % 8] for i in range(n)),
              *(h for h, _ in a.related), *(t for _, t in a.related)]
    if source_line:
        chrome.append(source_line)
    return page, chrome


# --- 9. Relative dates only («منذ ساعتين»), Sabq-like ------------------------------------------------------
def relative(a: GoldArticle) -> tuple[str, list[str]]:
    latest = "".join(f'<li><a href="/n/{8800 + i}">{e(h)}</a><span class="date">'
                     f'{gulf_date(a.published, weekday=False, clock=False)}</span></li>'
                     for i, (h, _) in enumerate(a.related[:5]))
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} - سبق الآن</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<link rel="canonical" href="{e(a.url)}">
</head><body>
<div class="header"><a href="/" class="logo">سبق الآن</a><div class="ticker">عاجل: {e(a.related[5][0])}</div>
<ul class="main-menu"><li><a href="/">الرئيسية</a></li><li><a href="/local">محليات</a></li><li><a href="/gulf">خليجيات</a></li><li><a href="/sport">رياضة</a></li></ul></div>
<div class="page"><div class="article-wrap">
<div class="article-section"><a href="/s/local">{e(a.section)}</a></div>
<h1>{e(a.title)}</h1>
<div class="article-info"><span class="author">سبق الآن - الرياض</span> <span class="post-date">{e(a.relative_date)}</span></div>
<img class="main-img" src="{e(a.image)}" alt="">
<div class="article-text">
{paras_html(a)}
<p>{e(RELATIVE_PROMO)}</p>
</div>
<div class="article-share">{social()}<a class="copy-link" href="#">نسخ الرابط</a></div>
</div>
<div class="sidebar"><h3>آخر الأخبار</h3><ul>{latest}</ul>
<div class="app-promo">حمّل تطبيق سبق الآن على هاتفك</div></div></div>
<div class="footer">جميع الحقوق محفوظة لـ سبق الآن 2015 ©</div>
</body></html>
"""
    chrome = [RELATIVE_PROMO, "نسخ الرابط", "آخر الأخبار", "حمّل تطبيق", "جميع الحقوق محفوظة", "عاجل:", "سبق الآن - الرياض",
              *(h for h, _ in a.related[:6])]
    return page, chrome


# --- 10. Server-rendered React page of an international broadcaster ------------------------------------------
REACT_ROLE = "بي بي سي نيوز عربي"
REACT_ROLE_AUTHOR = "مراسل بي بي سي"


def react(a: GoldArticle) -> tuple[str, list[str]]:
    """Byline as a list of labelled spans («Author,» «Role,»), captions with visually hidden labels,
    promo headings between the story blocks, a JSON-LD date in UTC."""
    ld = {"@context": "https://schema.org", "@type": "ReportageNewsArticle", "headline": a.title,
          "datePublished": a.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
          "dateModified": a.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
          "publisher": {"@type": "NewsMediaOrganization", "name": "BBC News عربي"},
          "image": {"@type": "ImageObject", "url": a.image}, "mainEntityOfPage": a.url}
    byline = ""
    if a.authors:
        byline = (f'<section aria-labelledby="article-byline" class="bbc-byline"><h2 class="bbc-visually-hidden" '
                  f'id="article-byline">معلومات عن الكاتب</h2><ul><li><span class="bbc-visually-hidden">Author,</span>'
                  f'<span class="bbc-name">{e(a.authors[0])}</span></li><li><span class="bbc-visually-hidden">Role,</span>'
                  f'<span class="bbc-role">{e(REACT_ROLE)}</span></li></ul></section>')
    blocks = []
    if a.variant % 2:  # the byline list as a text block of its own, as some pages render it
        blocks.append(f'<div dir="rtl" class="bbc-text-block"><ul><li>Author, {e(REACT_ROLE_AUTHOR)}</li>'
                      f'<li>Role, {e(REACT_ROLE)}</li></ul></div>')
    for i, p in enumerate(a.paragraphs):
        blocks.append(f'<div dir="rtl" class="bbc-text-block"><p dir="rtl" class="bbc-paragraph">{"<b>" + e(p) + "</b>" if i == 0 else e(p)}</p></div>')
        if i == 1:
            blocks.append(f'<figure class="bbc-figure"><div class="bbc-image"><span class="bbc-visually-hidden">صدر الصورة، </span>'
                          f'<span class="bbc-copyright">Getty Images</span><img src="{e(a.image)}" alt=""></div>'
                          f'<p class="bbc-caption"><span class="bbc-visually-hidden">التعليق على الصورة، </span>'
                          f'صورة من الأرشيف لمشهد عام في المدينة</p></figure>')
        if i == 2:
            blocks.append(f'<section aria-labelledby="related-inline" class="bbc-promo"><h2 id="related-inline">قد يهمك أيضاً</h2>'
                          f'<ul><li><a href="/arabic/world-{5100 + i}"><span>{e(a.related[0][0])}</span></a></li>'
                          f'<li><a href="/arabic/world-{5200 + i}"><span>{e(a.related[1][0])}</span></a></li></ul>'
                          f'<p class="bbc-promo-end">نهاية</p></section>')
    most = "".join(f'<li><span class="bbc-rank">{i + 1}</span><a href="/arabic/x-{i}">{e(h)}</a></li>'
                   for i, (h, _) in enumerate(a.related[2:7]))
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} - BBC News عربي</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="og:site_name" content="BBC News عربي"><link rel="canonical" href="{e(a.url)}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body><div id="root"><header class="bbc-header" role="banner"><a href="/arabic">BBC News, عربي</a>
<nav><ul><li><a href="/arabic">الرئيسية</a></li><li><a href="/arabic/topics/1">أخبار</a></li><li><a href="/arabic/topics/2">رياضة</a></li></ul></nav>
<a class="bbc-skip" href="#content">إذهب مباشرة إلى المحتوى</a></header>
<main role="main" class="bbc-main"><article>
<header><h1 id="content" class="bbc-headline" tabindex="-1">{e(a.title)}</h1></header>
{byline}
<time datetime="{a.published:%Y-%m-%d}" class="bbc-time">{a.published.day} {GULF[a.published.month - 1]}/ {LEVANTINE[a.published.month - 1]} {a.published.year}</time>
{chr(10).join(blocks)}
<section class="bbc-topics" aria-labelledby="related-topics"><h2 id="related-topics">مواضيع ذات صلة</h2><ul><li><a href="/t/{a.section}">{e(a.section)}</a></li></ul></section>
</article>
<section aria-labelledby="top-stories" class="bbc-top"><h2 id="top-stories">أهم الأخبار</h2><ul><li><a href="/arabic/t-1">{e(a.related[7][0])}</a></li></ul></section>
<section aria-labelledby="most-read" class="bbc-most-read"><h2 id="most-read">الأكثر قراءة</h2><ol>{most}</ol></section>
</main><footer class="bbc-footer"><p>© 2015 بي بي سي. بي بي سي ليست مسؤولة عن محتوى المواقع الخارجية.</p></footer></div>
</body></html>
"""
    chrome = ["Author,", "Role,", REACT_ROLE, REACT_ROLE_AUTHOR, "معلومات عن الكاتب", "صدر الصورة", "Getty Images", "التعليق على الصورة",
              "صورة من الأرشيف لمشهد عام", "قد يهمك أيضاً", "نهاية", "مواضيع ذات صلة", "أهم الأخبار", "الأكثر قراءة",
              "بي بي سي ليست مسؤولة", "إذهب مباشرة إلى المحتوى", *(h for h, _ in a.related[:8])]
    return page, chrome


# --- 11. A consent overlay and a newsletter box, a standfirst in <h2> ------------------------------------------
CONSENT_TEXT = ("لقد حدّثنا سياستنا المتعلقة بالخصوصية وبالشروط الخاصة بملفات الارتباط (الكوكيز). "
                "باستمرارك في تصفح الموقع فإنك توافق على استخدامنا لملفات الارتباط وفق سياستنا المحدّثة.")


def consent(a: GoldArticle) -> tuple[str, list[str]]:
    body = "\n".join(f"<p>{e(p)}</p>" for p in a.paragraphs[1:3])
    body += ('\n<div class="newsletter-box"><h3>النشرة الإخبارية</h3><p>اشترك في نشرتنا الإخبارية اليومية ليصلك '
             'ملخص أهم الأخبار كل صباح</p><form><input type="email" placeholder="البريد الإلكتروني"><button>اشترك</button></form></div>\n')
    body += "\n".join(f"<p>{e(p)}</p>" for p in a.paragraphs[3:])
    if a.variant % 2:  # some themes inject the notice into the story container itself
        body += f'\n<p class="cookie-note">{e(CONSENT_TEXT)}</p>'
    # the standfirst: named by the meta description and set in an <h2>, or (variants 4 and 5) in a
    # block of its own that only its class names, with no meta tag giving it
    description = f'<meta name="description" content="{e(a.subtitle)}">\n' if a.variant < 3 else ""
    standfirst = (f'<h2 class="article-summary">{e(a.paragraphs[0])}</h2>' if a.variant < 3
                  else f'<div class="article-lead">{e(a.paragraphs[0])}</div>')
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} | العربي الحر</title>
{description}<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<meta property="article:section" content="{e(a.section)}">
<link rel="canonical" href="{e(a.url)}">
</head><body>
<div id="onetrust-banner-sdk" class="otFlat" role="dialog" aria-label="الخصوصية"><div id="onetrust-policy">
<h2 id="onetrust-policy-title">الخصوصية وملفات الارتباط</h2><p id="onetrust-policy-text">{e(CONSENT_TEXT)}</p></div>
<div id="onetrust-button-group"><button id="onetrust-accept-btn-handler">موافق</button><button>إدارة الإعدادات</button></div></div>
<header class="site-header"><a class="logo" href="/">العربي الحر</a><nav><a href="/politics">سياسة</a> <a href="/economy">اقتصاد</a> <a href="/culture">ثقافة</a></nav></header>
<main class="page-content"><article class="article">
<div class="article-section"><a href="/s/{a.variant}">{e(a.section)}</a></div>
<h1 class="article-title">{e(a.title)}</h1>
{standfirst}
<div class="article-meta"><span class="date">{gulf_date(a.published, weekday=False)}</span></div>
<figure class="article-image"><img src="{e(a.image)}" alt=""><figcaption>(أرشيفية)</figcaption></figure>
<div class="article-body">
{body}
</div>
<div class="article-share">{social()}</div>
</article></main>
<footer class="site-footer"><p>جميع الحقوق محفوظة © العربي الحر 2015</p><a href="/privacy">سياسة الخصوصية</a> <a href="/cookies">سياسة ملفات الارتباط</a></footer>
</body></html>
"""
    chrome = [CONSENT_TEXT[:60], "الخصوصية وملفات الارتباط", "إدارة الإعدادات", "موافق", "النشرة الإخبارية",
              "اشترك في نشرتنا الإخبارية", "أرشيفية", "جميع الحقوق محفوظة", "سياسة ملفات الارتباط"]
    return page, chrome


# --- 12. WordPress, JNews theme: related posts in the middle of the story ---------------------------------------
def jnews(a: GoldArticle) -> tuple[str, list[str]]:
    inline = "".join(
        f'<div class="jeg_post jeg_pl_xs"><h3 class="jeg_post_title"><a href="/{8300 + i}/">{e(h)}</a></h3></div>'
        for i, (h, _) in enumerate(a.related[:3]))
    chunks = []
    for i, p in enumerate(a.paragraphs):
        chunks.append(f"<p>{e(p)}</p>")
        if i == 1:
            chunks.append('<div class="jnews_inline_related_post_wrapper"><div class="jnews_inline_related_post">'
                          '<div class="jeg_postblock_21 jeg_postblock"><div class="jeg_block_heading"><h3 class="jeg_block_title">'
                          f'<span>اقرأ أيضا</span></h3></div><div class="jeg_posts">{inline}</div></div></div></div>')
    author = (f'<div class="jeg_meta_author"><span class="meta_text">بواسطة</span> <a href="/author/{a.variant}/">'
              f'{e(a.authors[0])}</a></div>') if a.authors else ""
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="UTF-8">
<title>{e(a.title)} - المرصد</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<meta property="article:section" content="{e(a.section)}">
{''.join(f'<meta property="article:tag" content="{e(t)}">' for t in a.tags)}
<link rel="canonical" href="{e(a.url)}">
</head><body class="post-template-default single single-post jnews jsc_normal">
<div class="jeg_viewport"><div class="jeg_header_wrapper"><div class="jeg_header"><a class="jeg_logo" href="/">المرصد</a>
<ul class="jeg_menu"><li><a href="/">الرئيسية</a></li><li><a href="/c/1">أخبار</a></li><li><a href="/c/2">تقارير</a></li></ul></div></div>
<div class="jeg_main"><div class="jeg_container"><div class="jeg_content jeg_singlepage"><div class="container"><div class="row"><div class="jeg_main_content col-md-8">
<div class="jeg_inner_content"><div class="jeg_breadcrumbs"><a href="/">الرئيسية</a> <i></i> <a href="/c/{a.variant}">{e(a.section)}</a></div>
<div class="entry-header"><h1 class="jeg_post_title">{e(a.title)}</h1>
<div class="jeg_meta_container"><div class="jeg_post_meta">{author}<div class="jeg_meta_date"><a href="#">{a.published.day} {GULF[a.published.month - 1]}، {a.published.year}</a></div>
<div class="jeg_meta_comment"><a href="#comments">0</a></div></div></div></div>
<div class="jeg_featured featured_image"><img src="{e(a.image)}" alt=""><p class="wp-caption-text">الصورة: المرصد</p></div>
<div class="jeg_share_top_container"><div class="jeg_share_button">{social()}</div></div>
<div class="entry-content no-share"><div class="content-inner">
{chr(10).join(chunks)}
</div></div>
<div class="jeg_post_tags"><span>الوسوم:</span> {' '.join(f'<a href="/tag/{i}/">{e(t)}</a>' for i, t in enumerate(a.tags))}</div>
<div class="jnews_prev_next_container"><a href="/prev/">المقال السابق</a> <a href="/next/">المقال التالي</a></div>
<div class="jnews_related_post_container"><div class="jeg_block_heading"><h3 class="jeg_block_title"><span>مقالات ذات صلة</span></h3></div>
{''.join(f'<article class="jeg_post"><h3 class="jeg_post_title"><a href="/{8400 + i}/">{e(h)}</a></h3></article>' for i, (h, _) in enumerate(a.related[3:7]))}</div>
</div></div></div></div></div></div></div>
<div class="jeg_footer"><div class="copyright">© 2015 المرصد - جميع الحقوق محفوظة</div></div></div>
</body></html>
"""
    chrome = ["اقرأ أيضا", "بواسطة", "الصورة: المرصد", "الوسوم", "المقال السابق", "المقال التالي", "مقالات ذات صلة",
              "جميع الحقوق محفوظة", *(h for h, _ in a.related[:7])]
    return page, chrome


# --- 13. Egyptian news portal: a <br>-separated body with captions inside it -------------------------------------
PORTAL_CAPTIONS = ("جانب من الاجتماع", "صورة أرشيفية", "جانب من الفعالية", "أرشيفية", "صورة من موقع الحدث")


def portal(a: GoldArticle) -> tuple[str, list[str]]:
    caption = PORTAL_CAPTIONS[a.variant % len(PORTAL_CAPTIONS)]
    parts = []
    for i, p in enumerate(a.paragraphs):
        parts.append(e(p))
        if i == 0:
            parts.append(f'<div class="img-cont"><img src="{e(a.image)}" alt="{e(caption)}"><span class="img-caption">{e(caption)}</span></div>')
    body = "<br><br>\n".join(parts)
    page = f"""<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{e(a.title)} - بوابة النيل</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<link rel="canonical" href="{e(a.url)}">
</head><body>
<div id="header"><a href="/" id="logo">بوابة النيل</a><ul id="menu"><li><a href="/Section/1">أخبار مصر</a></li><li><a href="/Section/2">اقتصاد</a></li><li><a href="/Section/3">رياضة</a></li><li><a href="/Section/4">فن</a></li></ul></div>
<div id="content"><div class="articleCont">
<div class="bread"><a href="/">الرئيسية</a> » <a href="/Section/{a.variant}">{e(a.section)}</a></div>
<div class="articleHeader"><h1>{e(a.title)}</h1>
<div class="writeBy"><span class="newsDate">{e(gulf_date(a.published, weekday=True))}</span></div></div>
<div class="share">{social()}</div>
<div id="articleBody" class="articleBody">
{body}
</div>
<div class="tags"><span>كلمات البحث</span> {' '.join(f'<a href="/Tags/{i}">{e(t)}</a>' for i, t in enumerate(a.tags))}</div>
<div class="moreNews"><h3>المزيد من {e(a.section)}</h3><ul>{''.join(f'<li><a href="/Story/{9900 + i}">{e(h)}</a></li>' for i, (h, _) in enumerate(a.related[:5]))}</ul></div>
</div></div>
<div id="footer">جميع الحقوق محفوظة لبوابة النيل © 2015</div>
</body></html>
"""
    chrome = [caption, "كلمات البحث", "المزيد من", "جميع الحقوق محفوظة", *(h for h, _ in a.related[:5])]
    return page, chrome


# --- 14. WordPress, tagDiv Newspaper theme with a comments section and its policy -------------------------------
TAGDIV_POLICY = ("ترحب شبكة الخبر بالنقاش الحيوي والمفيد، وتحتفظ بحقها في حذف التعليقات المسيئة أو الخارجة عن "
                 "موضوع المقال دون إشعار.")
TAGDIV_DISCLAIMER = "الآراء الواردة أدناه لا تعبر عن رأي الموقع وإنما عن رأي أصحابها."


def tagdiv(a: GoldArticle) -> tuple[str, list[str]]:
    comments_html = "".join(
        f'<li class="comment" id="li-comment-{i}"><article><footer><cite class="comment-author">{e(COMMENTERS[(a.variant + i) % 8])}</cite>'
        f'<a href="#comment-{i}"><time>{gulf_date(a.published, weekday=False)}</time></a></footer>'
        f'<div class="comment-content"><p>{e(COMMENTS[(a.variant + 2 * i) % 8])}</p></div>'
        '<div class="comment-meta"><a class="comment-reply-link" href="#">رد</a></div></article></li>'
        for i in range(3 + a.variant % 3))
    author = f'<div class="td-post-author-name"><div class="td-author-by">بواسطة</div> <a href="/author/{a.variant}/">{e(a.authors[0])}</a></div>' if a.authors else ""
    policy_inside = f"<p>{e(TAGDIV_POLICY)}</p><p>{e(TAGDIV_DISCLAIMER)}</p>\n" if a.variant % 2 else ""
    page = f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="UTF-8">
<title>{e(a.title)} - شبكة الخبر</title>
<meta property="og:title" content="{e(a.title)}"><meta property="og:image" content="{e(a.image)}">
<meta property="article:published_time" content="{a.published.isoformat()}">
<meta property="article:section" content="{e(a.section)}">
<link rel="canonical" href="{e(a.url)}">
<!-- tdc_css --><style>.td-post-content p{{margin:0}}</style>
</head><body class="post-template-default single single-post td-standard-pack global-block-template-1"><div class="td-scroll-up"></div>
<!-- tagDiv header --><div id="td-outer-wrap" class="td-theme-wrap"><div class="td-header-wrap td-header-style-1"><div class="td-header-menu-wrap">
<ul id="menu-main" class="sf-menu"><li><a href="/">الرئيسية</a></li><li><a href="/c/news">أخبار</a></li><li><a href="/c/opinion">مقالات</a></li></ul></div></div>
<div class="td-main-content-wrap td-container-wrap"><div class="td-container td-post-template-default"><div class="td-crumb-container"><div class="entry-crumbs"><span><a href="/">الرئيسية</a></span> <i class="td-icon-right td-bread-sep"></i> <span><a href="/c/{a.variant}">{e(a.section)}</a></span></div></div>
<div class="td-pb-row"><div class="td-pb-span8 td-main-content" role="main"><div class="td-ss-main-content">
<article id="post-{9000 + a.variant}" class="post type-post status-publish format-standard has-post-thumbnail" itemscope itemtype="https://schema.org/Article">
<div class="td-post-header"><ul class="td-category"><li class="entry-category"><a href="/c/{a.variant}">{e(a.section)}</a></li></ul>
<header class="td-post-title"><h1 class="entry-title">{e(a.title)}</h1><div class="td-module-meta-info">{author}
<span class="td-post-date"><time class="entry-date updated td-module-date" datetime="{a.published.isoformat()}">{gulf_date(a.published, weekday=False, clock=False)}</time></span>
<div class="td-post-comments"><a href="#comments"><i class="td-icon-comments"></i>{3 + a.variant % 3}</a></div><div class="td-post-views"><span class="td-nr-views-{a.variant}">1٬204</span></div></div></header></div>
<div class="td-post-sharing-top">{social()}</div>
<div class="td-post-content tagdiv-type"><!-- image --><div class="td-post-featured-image"><figure><img src="{e(a.image)}"><figcaption class="wp-caption-text">صورة تعبيرية</figcaption></figure></div>
{paras_html(a)}
{policy_inside}</div><!-- /.td-post-content -->
<footer><div class="td-post-source-tags"><ul class="td-tags td-post-small-box clearfix"><li><span>الوسوم</span></li>{''.join(f'<li><a href="/tag/{i}/">{e(t)}</a></li>' for i, t in enumerate(a.tags))}</ul></div>
<div class="td-block-row td-post-next-prev"><div class="td-post-prev-post"><span>المقال السابق</span><a href="/p/1">{e(a.related[0][0])}</a></div><div class="td-post-next-post"><span>المقال التالي</span><a href="/p/2">{e(a.related[1][0])}</a></div></div></footer>
</article><!-- /.post -->
<div class="td_block_wrap td_block_related_posts"><h4 class="td-related-title"><a class="td-related-left td-cur-simple-item" href="#">مقالات ذات صلة</a><a class="td-related-right" href="#">المزيد من الكاتب</a></h4>
<div class="td_block_inner">{''.join(f'<div class="td-related-span4"><h3 class="entry-title td-module-title"><a href="/r/{i}">{e(h)}</a></h3></div>' for i, (h, _) in enumerate(a.related[2:5]))}</div></div>
<div class="comments" id="comments"><div class="td-comments-title-wrap"><h4 class="block-title"><span>{3 + a.variant % 3} تعليقات</span></h4></div>
<div class="comments-policy"><p>{e(TAGDIV_POLICY)}</p><p>{e(TAGDIV_DISCLAIMER)}</p></div>
<ol class="comment-list">{comments_html}</ol>
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">اترك تعليقاً</h3><form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<div class="comment-form-input-wrap td-form-comment"><textarea placeholder="تعليق:" id="comment" name="comment" cols="45" rows="8"></textarea><div class="td-warning-comment">الرجاء إدخال تعليقك!</div></div>
<div class="comment-form-input-wrap td-form-author"><input id="author" name="author" placeholder="اسم:*" type="text"></div>
<p class="comment-form-cookies-consent"><input id="wp-comment-cookies-consent" type="checkbox"><label>احفظ اسمي وبريدي الإلكتروني في هذا المتصفح للمرة القادمة التي أعلق فيها.</label></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="إرسال التعليق"></p></form></div></div>
</div></div></div></div></div>
<div class="td-footer-wrapper"><div class="td-sub-footer-copy">© جميع الحقوق محفوظة لشبكة الخبر 2015</div></div></div>
</body></html>
"""
    chrome = [TAGDIV_POLICY[:50], TAGDIV_DISCLAIMER, "اترك تعليقاً", "الرجاء إدخال تعليقك", "احفظ اسمي", "صورة تعبيرية",
              "الوسوم", "المقال السابق", "المقال التالي", "مقالات ذات صلة", "المزيد من الكاتب", "تعليقات", "جميع الحقوق محفوظة",
              *(COMMENTS[(a.variant + 2 * i) % 8] for i in range(3 + a.variant % 3)), *(h for h, _ in a.related[:5])]
    return page, chrome


# --- 15. Old table/div page with a comment policy ---------------------------------------------------------------
OLDTABLE_POLICY = "يرجى الالتزام بآداب الحوار عند كتابة التعليق، والتعليقات المنشورة لا تعبر بالضرورة عن رأي الجريدة."


def oldtable(a: GoldArticle) -> tuple[str, list[str]]:
    body = "<br>\n".join(e(p) for p in a.paragraphs)
    d = a.published
    page = f"""<html dir="rtl"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>الصباح الجديد :: {e(a.title)}</title></head>
<body bgcolor="#FFFFFF" topmargin="0"><table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td colspan="2" class="top"><a href="/"><img src="/images/logo.gif" border="0" alt="الصباح الجديد"></a></td></tr>
<tr><td width="180" valign="top" class="right"><div class="menu"><a href="/">الرئيسية</a><br><a href="/cat.php?id=1">محليات</a><br><a href="/cat.php?id=2">عربي ودولي</a><br><a href="/cat.php?id=3">رياضة</a></div>
<div class="poll"><b>استطلاع الرأي</b><br>هل تؤيد القرار الجديد؟<br><input type="radio"> نعم <input type="radio"> لا</div></td>
<td width="800" valign="top"><div class="path"><a href="/">الرئيسية</a> &gt; <a href="/cat.php?id={a.variant}">{e(a.section)}</a></div>
<table width="100%" border="0" cellspacing="0" cellpadding="4"><tr><td class="title"><h2>{e(a.title)}</h2></td></tr>
<tr><td class="date">{WEEKDAYS[d.weekday()]} {d.day}/{d.month}/{d.year}</td></tr>
<tr><td class="text">{body}</td></tr>
<tr><td class="tools"><a href="/print.php">طباعة</a> | <a href="/send.php">أرسل لصديق</a> | <a href="#">تكبير الخط</a></td></tr></table>
<div class="comments"><div class="comments-head"><b>التعليقات</b></div><div class="policy">{e(OLDTABLE_POLICY)}</div>
<table class="comment"><tr><td><b>{e(COMMENTERS[a.variant % 8])}</b></td></tr><tr><td>{e(COMMENTS[a.variant % 8])}</td></tr></table>
<form action="/comment.php" method="post"><b>أضف تعليقك</b><br>الاسم: <input name="n"><br><textarea name="c"></textarea><br><input type="submit" value="أرسل"></form></div>
</td></tr><tr><td colspan="2" class="foot">جميع الحقوق محفوظة © الصباح الجديد 2015</td></tr></table></body></html>
"""
    chrome = [OLDTABLE_POLICY[:50], "استطلاع الرأي", "هل تؤيد القرار الجديد", "طباعة", "أرسل لصديق", "تكبير الخط",
              "التعليقات", "أضف تعليقك", COMMENTS[a.variant % 8], "جميع الحقوق محفوظة"]
    return page, chrome
