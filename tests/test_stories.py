"""index.stories: the parameters it documents, and its rules on their own (the backends' use of
them is in tests/backend_contract.py)."""

from __future__ import annotations

from datasketch.lsh import _optimal_param

from index import stories
from index.stories import BatchStories, sketch
from samples.catalog import site_articles


def _article(text: str, published: str | None = None) -> dict:
    return {"title": "نشرة", "text": text, "published": published}


def test_the_band_layout_is_datasketchs_optimum_for_the_candidate_threshold():
    assert _optimal_param(stories.CANDIDATE_THRESHOLD, stories.NUM_PERM, 0.5, 0.5) == (stories.BANDS, stories.ROWS)
    assert stories.CANDIDATE_THRESHOLD < stories.THRESHOLD < stories.VERBATIM


def test_a_short_text_is_not_grouped_and_a_copy_is_similar():
    assert sketch(_article("خبر قصير جداً")) is None
    dw = next(a for a in site_articles("dw") if "seed" in a.flags)
    original, copy = sketch(_article(dw.text)), sketch(_article("دمشق - وكالات\n" + dw.text + "\n(وكالات)"))
    assert original is not None and copy is not None and copy.similarity(original) >= stories.VERBATIM


def test_the_same_template_weeks_apart_is_another_story():
    """A bulletin written from one template joins a story founded the day before, not one founded
    two weeks before: the window keeps recurring bulletins from becoming one endless story."""
    dw = next(a for a in site_articles("dw") if "seed" in a.flags)
    batch = BatchStories()
    first = batch.assign("a", sketch(_article(dw.text)), [], "2017-06-01T08:00:00+03:00")
    next_day = batch.assign("b", sketch(_article(dw.text)), [], "2017-06-02T08:00:00+03:00")
    later = batch.assign("c", sketch(_article(dw.text)), [], "2017-06-15T08:00:00+03:00")
    undated = batch.assign("d", sketch(_article(dw.text)), [], None)
    assert next_day.story_id == first.story_id and next_day.matched == "a"
    assert later.story_id != first.story_id and later.matched is None
    assert undated.matched is not None, "without a date the window does not apply"


def test_the_sketch_an_extraction_worker_makes_is_the_one_the_index_would_make():
    from pathlib import Path

    from akhbar.evaluate import load_gold
    from index.fields import compute_terms
    from pipelines.capture import analyzed_capture, learned_article

    page = next(p for p in load_gold(Path(__file__).resolve().parents[1] / "goldset" / "pages")
                if len(p.expected.get("text") or "") > 1500)
    parsed = analyzed_capture(page.body, page.url, page.profile, content_type=page.content_type or None,
                              fetched=page.fetched)
    article = learned_article(parsed, None)
    carried, computed = sketch(article), stories.sketch_of_stems(compute_terms(dict(article)).body.split())
    assert parsed.terms.sketch and carried is not None and computed is not None
    assert carried.bands == computed.bands and carried.similarity(computed) == 1.0
