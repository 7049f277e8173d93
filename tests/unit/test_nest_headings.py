"""A member's headings fit under the page's own (issue 15: heading order)."""

import pytest

from forum.markdown import nest_headings, render_user_markdown


@pytest.mark.parametrize(("html", "top", "expected"), [
    ("<h1>a</h1><p>x</p><h4>b</h4><h6>c</h6><h2>d</h2>", 3,
     "<h3>a</h3><p>x</p><h4>b</h4><h5>c</h5><h4>d</h4>"),
    ("<h4>a</h4><h4>b</h4>", 3, "<h3>a</h3><h3>b</h3>"),
    ("<h3>a</h3><h6>b</h6>", 5, "<h5>a</h5><h6>b</h6>"),  # never past h6
    ("<p>No heading at all</p>", 3, "<p>No heading at all</p>"),
    ("<pre><code>&lt;h1&gt;typed&lt;/h1&gt;</code></pre>", 3,
     "<pre><code>&lt;h1&gt;typed&lt;/h1&gt;</code></pre>"),
])
def test_headings_start_at_the_given_level_and_skip_none(html, top, expected):
    assert nest_headings(html, top) == expected


def test_what_a_member_types_keeps_its_text():
    rendered = render_user_markdown("### Why\n\nBecause.\n\n###### Details\n\nMore.")
    assert nest_headings(rendered, 3) == "<h3>Why</h3>\n<p>Because.</p>\n<h4>Details</h4>\n<p>More.</p>\n"
