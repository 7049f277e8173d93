"""Every XML the forum writes parses, whatever stored text holds (issue 10, item 10).

Characters XML 1.0 forbids (U+FFFE, U+FFFF, C0 controls but tab, LF and CR, lone surrogates)
may sit in stored rows from before an input check, or slip past one. Both Atom feeds and every
SVG chart (the crowd history, sparklines, the calibration charts) drop them through one
function, `forum.xml_text.xml_text`, so xml.etree reads each output.
"""

import re
from xml.etree import ElementTree

import pytest

from forum.extensions import db
from forum.users.charts import calibration_svg
from forum.xml_text import xml_text
from tests.factories import make_forecast, make_user
from tests.moderation_support import (
    closed_prediction,
    fast_passwords,  # noqa: F401  (autouse)
    resolve,
)

FORBIDDEN = "\ufffe\uffff\x01\x08\x0b\x0c\x1b\x1f"
ATOM = "{http://www.w3.org/2005/Atom}"


def dirty(text: str) -> str:
    """`text` with a forbidden character after every word."""
    return " ".join(word + FORBIDDEN[i % len(FORBIDDEN)] for i, word in enumerate(text.split()))


@pytest.mark.parametrize("char", [*FORBIDDEN, "\x00", "\x02", "\x1e", "\ud800"])
def test_xml_text_drops_each_character_xml_forbids(char):
    assert xml_text(f"a{char}b") == "ab"


def test_xml_text_keeps_everything_xml_allows():
    text = "tab\tnew\nline\rcr é ü \u2028 \ud7ff \ue000 \ufffd \U0001f600 \U0010ffff \x7f \x85"
    assert xml_text(text) == text


def test_a_calibration_chart_with_a_forbidden_title_parses():
    svg = calibration_svg([], title=dirty("Calibration of alice's forecasts"))
    root = ElementTree.fromstring(str(svg))
    assert root.find("{http://www.w3.org/2000/svg}title").text == (
        "Calibration of alice's forecasts")


@pytest.fixture
def dirty_site(app, article):
    """A resolved and an open prediction whose title, criteria, note, author and resolver
    hold forbidden characters, as rows already stored might."""
    author, mod = make_user("author1"), make_user("mod", role="moderator")
    bob = make_user("bob")
    resolved = closed_prediction(article, author, title="Resolved soon enough",
                                 forecasts=[(bob, 0.8, 20)])
    resolution = resolve(resolved, mod, note="Reported on the day.")
    open_one = closed_prediction(article, author, title="Still open for a while",
                                 closed_days=-30, forecasts=[(bob, 0.3, 10), (bob, 0.6, 5)])
    make_forecast(open_one, author, 0.5)
    for prediction in (resolved, open_one):
        prediction.title = dirty(prediction.title)
        prediction.criteria_html = f"<p>{dirty('Resolves if it happens')}</p>"
    resolution.note = dirty("Reported on the day.")
    author.username = "auth\ufffeor1"
    mod.username = "m\x01od"
    article.title = dirty(article.title)
    db.session.commit()
    return {"article": article, "resolved": resolved.id, "open": open_one.id}


def svgs(page: str) -> list[ElementTree.Element]:
    """Every inline <svg> of a page, each parsed as XML on its own."""
    found = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    return [ElementTree.fromstring(svg) for svg in found]


def test_both_feeds_parse_with_forbidden_characters_in_stored_text(client, dirty_site):
    slug = dirty_site["article"].slug
    predictions = ElementTree.fromstring(client.get(f"/articles/{slug}/predictions.atom").data)
    titles = [entry.find(f"{ATOM}title").text for entry in predictions.iter(f"{ATOM}entry")]
    assert "Resolved soon enough" in titles
    assert "auth" + "or1" in {name.text for name in predictions.iter(f"{ATOM}name")}
    resolutions = ElementTree.fromstring(client.get(f"/articles/{slug}/resolutions.atom").data)
    entry = resolutions.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "Resolved YES: Resolved soon enough"
    assert entry.find(f"{ATOM}summary").text.startswith("Reported on the day.")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "mod"


def test_every_chart_parses_with_forbidden_characters_in_stored_text(auth, client, dirty_site):
    slug = dirty_site["article"].slug
    pages = {
        "prediction": f"/predictions/{dirty_site['open']}",
        "resolved prediction": f"/predictions/{dirty_site['resolved']}",
        "board": f"/articles/{slug}/predictions",
        "article": f"/articles/{slug}",
        "profile": "/users/bob",
        "leaderboard": "/leaderboard",
    }
    charts = {}
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        charts[name] = svgs(response.get_data(as_text=True))
    kinds = {svg.get("class") for found in charts.values() for svg in found}
    assert {"chart crowd-chart", "sparkline", "calibration-chart"} <= kinds
    crowd = next(svg for svg in charts["prediction"] if svg.get("class") == "chart crowd-chart")
    assert "Still open for a while" in crowd.find("{http://www.w3.org/2000/svg}title").text
    auth.login("bob")  # a member's own forecasts are dots with their own labels
    member_page = client.get(f"/predictions/{dirty_site['open']}").get_data(as_text=True)
    assert any(svg.get("class") == "chart crowd-chart" for svg in svgs(member_page))
