"""News-agency credits and the original source of syndicated copy, as normalized names.

Arabic papers credit agencies in bylines («| الوطن – وكالات») and inline («(د.ب.أ)», «لـ(د. ب. أ)»,
«وكالة رويترز»), spelled many ways. Users filter by agency, so each spelling maps to one name.
"""

from __future__ import annotations

import re

from core.arabic import strip_tashkeel

# normalized name -> regex alternatives (matched on text with tashkeel removed)
_AGENCIES: dict[str, list[str]] = {
    "وكالات": [r"وكالات"],
    "د.ب.أ": [r"د\s*\.\s*ب\s*\.\s*[أا]", r"الأنباء الألمانية"],
    "أ ف ب": [r"أ\s*\.?\s*ف\s*\.?\s*ب", r"فرانس\s*برس", r"الفرنسية للأنباء"],
    "رويترز": [r"رويترز"],
    "أ ب": [r"أسوشيتد\s*برس", r"\(\s*أ\s*\.?\s*ب\s*\)"],
    "سانا": [r"سانا", r"الأنباء السورية"],
    "الأناضول": [r"الأناضول"],
    "واس": [r"واس(?<!\wواس)\b", r"الأنباء السعودية"],  # \bواس\b, written to start with its letters (below)
    "قنا": [r"\(\s*قنا\s*\)", r"الأنباء القطرية"],
    "وام": [r"\(\s*وام\s*\)", r"أنباء الإمارات"],
    "كونا": [r"كونا", r"الأنباء الكويتية"],
    "شينخوا": [r"شينخوا"],
    "سبوتنيك": [r"سبوتنيك"],
    "إرنا": [r"إرنا"],
}
# One regex per spelling rather than one alternation per agency: a pattern that starts with letters
# is found by re's fast literal scan, an alternation is tried at every position (2x slower over a
# whole article, and this runs on every page).
_AGENCY_RES = {name: [re.compile(p) for p in pats] for name, pats in _AGENCIES.items()}

# Names of original publishers found in syndication trailers -> normalized source name
_ORIGINALS: dict[str, list[str]] = {
    "DW": [r"دوتش\s*فيل[هي]?", r"دويتش[هة]\s*في[لـ]+[هة]?", r"\bDW\b"],
    "BBC": [r"بي\s*بي\s*سي", r"\bBBC\b"],
    "France 24": [r"فرانس\s*24"],
    "RT": [r"روسيا اليوم", r"\bRT\b"],
    "CNN": [r"سي\s*إن\s*إن", r"\bCNN\b"],
    "Sky News Arabia": [r"سكاي\s*نيوز"],
}
_ORIGINAL_RES = {name: re.compile("|".join(pats)) for name, pats in _ORIGINALS.items()}
_TRAILER_RE = re.compile(r"(?:هذا المحتوى|هذا الخبر|المصدر)\s*(?:من|:)\s*(?:موقع|قناة|وكالة)?\s*(?P<who>[^\n.،]{2,40})")


def find_agencies(*texts: str) -> list[str]:
    """Normalized agency names credited anywhere in the given texts, in a stable order."""
    found = []
    joined = strip_tashkeel("\n".join(t for t in texts if t))
    for name, spellings in _AGENCY_RES.items():
        if any(rx.search(joined) for rx in spellings):
            found.append(name)
    return found


def find_original_source(*texts: str) -> str:
    """The publisher named in a syndication trailer («هذا المحتوى من موقع دوتش فيل ...»), or ""."""
    for text in texts:
        if not text:
            continue
        for m in _TRAILER_RE.finditer(strip_tashkeel(text)):
            who = m.group("who")
            for name, rx in _ORIGINAL_RES.items():
                if rx.search(who):
                    return name
    return ""
