"""Finding quoted passages in the article's HTML, and the SVG charts: pure functions."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from forum import charts
from forum.board.citations import Citation, _visible_characters, group_citations, mark_citations
from forum.charts import Point, crowd_chart, describe_history, sparkline
from forum.markdown import plain_text, render_article


def href(citation):
    return f"#{citation.anchor}-list"


SOURCE = """Intro with *emphasis*, a [link & more](https://example.org) and &amp; entities.

## A heading

- one item
- two items

| a | b |
|---|---|
| c | d |

Last paragraph <with> "quotes" and 'apostrophes'.
"""


def test_the_visible_text_is_exactly_the_articles_plain_text():
    body = render_article(SOURCE)
    text, chars = _visible_characters(body)
    assert text == plain_text(body)
    assert len(chars) == len(text)


def test_a_quote_inside_one_paragraph_is_wrapped_with_a_marker():
    body = render_article(SOURCE)
    citation = Citation('Last paragraph <with> "quotes"', [(1, "t")])
    marked = mark_citations(body, [citation], href)
    assert citation.marked
    assert (f'<a class="cite-marker" href="#{citation.anchor}-list" data-count="1" '
            f'aria-label="1 prediction cites this passage"></a><mark class="cited" '
            f'id="{citation.anchor}">Last paragraph &lt;with&gt; "quotes"</mark>') in marked


def test_a_quote_across_paragraphs_and_tags_stays_well_nested():
    body = render_article(SOURCE)
    citation = Citation("and & entities. A heading one item", [(1, "t")])
    marked = str(mark_citations(body, [citation], href))
    assert citation.marked
    assert marked.count("<mark") == marked.count("</mark>") == 3
    assert '<h2 id="a-heading"><mark class="cited">A heading</mark></h2>' in marked
    assert plain_text(marked) == plain_text(body)


def test_a_marker_never_lands_inside_a_link():
    body = render_article(SOURCE)
    citation = Citation("link & more", [(1, "t")])
    marked = str(mark_citations(body, [citation], href))
    assert '<a class="cite-marker"' in marked
    assert marked.index('<a class="cite-marker"') < marked.index('<a href="https://example.org"')


def test_unknown_and_overlapping_quotes_are_left_for_the_list():
    body = render_article(SOURCE)
    missing = Citation("not in the article", [(1, "a")])
    longer = Citation("one item two items", [(2, "b"), (3, "c")])
    inner = Citation("two items", [(4, "d")])
    marked = mark_citations(body, [*group_citations([]), longer, inner, missing], href)
    assert longer.marked and not inner.marked and not missing.marked
    assert str(marked).count('class="cite-marker"') == 1


def test_citations_group_by_quote_most_cited_first():
    grouped = group_citations([(1, "a", "q one"), (2, "b", "q two"), (3, "c", "q two")])
    assert [(c.quote, c.count) for c in grouped] == [("q two", 2), ("q one", 1)]
    assert grouped[0].anchor.startswith("cite-") and grouped[0].anchor != grouped[1].anchor


START = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_crowd_chart_is_an_accessible_step_line_without_inline_styles():
    history = [(START, 0.3), (START + timedelta(days=2), 0.5), (START + timedelta(days=5), 0.4)]
    svg = str(crowd_chart(
        history, start=START, end=START + timedelta(days=10), chart_id="c1",
        title='Crowd for "A <claim>"', description="Desc & more",
        author=Point(START, 0.3, "alice: 30 %"),
        mine=[Point(START + timedelta(days=2), 0.7, "you")],
        rule=Point(START + timedelta(days=9), 0, "resolved yes")))
    assert svg.startswith('<svg class="chart crowd-chart"') and 'role="img"' in svg
    assert '<title id="c1-title">Crowd for &#34;A &lt;claim&gt;&#34;</title>' in svg
    assert '<desc id="c1-desc">Desc &amp; more</desc>' in svg
    assert "style" not in svg
    path = svg.split('class="chart-line" d="')[1].split('"', maxsplit=1)[0]
    assert path.startswith("M") and path.count("V") == 2  # two changes, drawn as steps
    assert svg.count('class="chart-mine"') == 1 and 'class="chart-rule"' in svg
    assert ">resolved yes</text>" in svg


def test_the_chart_of_a_brand_new_prediction_still_has_a_width():
    svg = str(crowd_chart([(START, 0.5)], start=START, end=START, chart_id="c2", title="t",
                          description="d"))
    assert 'class="chart-line"' in svg and "nan" not in svg


def tick_labels(svg: str) -> list[str]:
    return re.findall(r'class="chart-label chart-tick"[^>]*>([^<]+)<', svg)


@pytest.mark.parametrize("age", [timedelta(0), timedelta(minutes=5), timedelta(minutes=59)])
def test_a_young_predictions_axis_ends_now_and_names_no_time_to_come(age):
    """Created at 12:05; the axis ends at now, its hour widened into the past."""
    created = START.replace(hour=12, minute=5)
    now = created + age
    svg = str(crowd_chart([(created, 0.5)], start=created, end=now, chart_id="c3", title="t",
                          description="d", author=Point(created, 0.5, "alice")))
    labels = tick_labels(svg)
    assert labels and all(label <= f"{now:%H:%M}" for label in labels), labels
    assert all(f"{now - timedelta(hours=1):%H:%M}" <= label for label in labels), labels
    path = svg.split('class="chart-line" d="')[1].split('"', maxsplit=1)[0]
    assert path.endswith(f"H{float(charts.WIDTH - charts.RIGHT)}")  # the line runs on to now


def test_sparklines_need_a_change_to_draw():
    assert str(sparkline([(START, 0.5)], start=START, end=START)) == ""
    line = str(sparkline([(START, 0.2), (START + timedelta(hours=5), 0.8)], start=START,
                         end=START + timedelta(days=1)))
    assert 'aria-hidden="true"' in line and "style" not in line


def test_the_chart_description_reads_the_history():
    assert describe_history([]) == "Nobody has forecast yet."
    assert describe_history([(START, 0.3), (START, 0.6)]) == (
        "The crowd median started at 30 % and is now 60 %, ranging from 30 % to 60 % over "
        "2 changes.")
