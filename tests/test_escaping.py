"""User text is escaped everywhere it is shown: pages, reflected query strings, forms shown
again with their errors, both Atom feeds, SVG chart labels and the API's HTML fields.

One hostile forum is built once per test: every field a person can type holds the same
payload (a script tag, an attribute break-out, a CDATA end, a literal entity and right-to-left
text), and the article itself contains `<b>` and `&` as text. Each page is then parsed as a
browser would: no script runs that the forum didn't ship, no element carries an event
handler or a `javascript:` link, and the payload reads back as the very text that was typed
(escaped exactly once, not twice)."""

import json
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Resolution
from forum.moderation.flags import create_flag
from forum.moderation.services import set_hidden
from tests.factories import make_article, make_comment, make_forecast, make_prediction, make_user
from tests.moderation_support import (  # noqa: F401  (fast_passwords is an autouse fixture)
    bearer,
    closed_prediction,
    days_ago,
    fast_passwords,
    resolve,
)

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
CDATA_END = "]]>"
ENTITY = "&amp;"
# Right-to-left text; bidi overrides themselves are refused as input (test_invisible_characters)
BIDI = "evil \u05e9\u05dc\u05d5\u05dd"
PAYLOAD = f"{SCRIPT} {BREAKOUT} {CDATA_END} {ENTITY} {BIDI}"
JS_LINKS = "[a link](javascript:alert(1)) <a href=\"javascript:alert(1)\">raw</a>"

TITLE = f"Claim {PAYLOAD}"
CRITERIA = f"Judged by {PAYLOAD} and {JS_LINKS}."
COMMENT = f"I disagree: {PAYLOAD} {JS_LINKS}"
REPLY = f"Reply {PAYLOAD}"
NOTE = f"Resolved by {PAYLOAD}"
SOURCE = 'https://example.com/?q="><svg/onload=alert(1)>&x=</a>'
FLAG_TEXT = f"Flagged {PAYLOAD}"
BIO = f"Bio {PAYLOAD}"
HIDE_REASON = f"Hidden for {PAYLOAD}"
ARTICLE_TITLE = f"Article {SCRIPT} & {BREAKOUT} {CDATA_END}"
ARTICLE = "\n".join([
    "---",
    f"title: {json.dumps(ARTICLE_TITLE)}",
    "slug: hostile-article",
    f"prompt: {json.dumps('Predict ' + PAYLOAD + '?')}",
    "---",
    "",
    ("Tom & Jerry wrote <b>bold</b> words: <script>alert(1)</script> and "
     f'"><img src=x onerror=alert(1)> then ]]> and &amp;amp; with {BIDI} text.'),
    "",
    "A second paragraph, so the article has more than one.",
])
# The reader sees (and so may quote) the text as rendered: `&amp;amp;` reads "&amp;".
QUOTE = f"<b>bold</b> words: {SCRIPT} and {BREAKOUT} then ]]> and &amp;"


class Page(HTMLParser):
    """A parsed page: what a reader sees, and whatever in it could run code."""

    URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.problems: list[str] = []
        self.svg_labels: list[str] = []
        self.links: list[str] = []
        self.values: list[str] = []
        self._svg_depth = 0
        self._label: list[str] | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"a script the forum didn't ship: {attrs}")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag}> in the page")
        if tag == "img" and attributes.get("src") == "x":
            self.problems.append("the payload's <img> became an element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event handler")
            if name in self.URL_ATTRIBUTES and value is not None:
                squeezed = "".join(value.split()).lower()
                if squeezed.startswith(("javascript:", "vbscript:", "data:text")):
                    self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
                if tag == "a" and name == "href":
                    self.links.append(value)
            if name == "value" and value is not None:
                self.values.append(value)
        if tag == "svg":
            self._svg_depth += 1
        elif self._svg_depth and tag in ("title", "desc"):
            self._label = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self._svg_depth -= 1

    def handle_endtag(self, tag):
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag in ("title", "desc") and self._label is not None:
            self.svg_labels.append("".join(self._label))
            self._label = None

    def handle_data(self, data):
        self.text.append(data)
        if self._label is not None:
            self._label.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


def inspect(markup: str, *shown: str) -> Page:
    """Parse the markup; fail on anything that could run, or on typed text not shown as typed."""
    page = Page(markup)
    assert not page.problems, page.problems
    visible = page.visible + "\n".join(page.values)
    for text in shown:
        assert text in visible, f"{text!r} is not shown as typed"
    return page


def get_page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.fixture
def hostile(app):
    """Every typed field in the forum holds the payload: one resolved prediction (with a
    quote, forecasts, a comment thread, a flag, a hidden comment) and one awaiting resolution."""
    alice = make_user("alice", bio=BIO)
    bob, carol = make_user("bob", bio=BIO), make_user("carol")
    mod = make_user("mod", role="moderator")
    article = make_article(ARTICLE)
    assert QUOTE in article.body_text  # the quote is a passage of the rendered article
    resolved = make_prediction(article, alice, title=TITLE, criteria=CRITERIA, quote=QUOTE,
                               created_at=days_ago(30))
    make_forecast(resolved, bob, 0.8, created_at=days_ago(20))
    comment = make_comment(resolved, bob, COMMENT)
    make_comment(resolved, alice, REPLY, parent=comment)
    create_flag(carol, "comment", comment.id, "other", FLAG_TEXT)
    hidden = make_comment(resolved, carol, "Buy cheap sunglasses")
    set_hidden("comment", hidden.id, mod, HIDE_REASON, hidden=True)
    db.session.commit()
    resolve(resolved, mod, "yes", note=NOTE, source_url=SOURCE)
    waiting = closed_prediction(article, alice, title=f"Waiting {PAYLOAD}", criteria=CRITERIA,
                                forecasts=[(bob, 0.4, 10)])
    create_flag(carol, "resolution", db.session.scalar(select(Resolution.id)), "other",
                FLAG_TEXT)
    db.session.commit()
    return {"article": article, "resolved": resolved.id, "waiting": waiting.id,
            "comment": comment.id, "users": {"alice": alice, "bob": bob, "mod": mod}}


def test_public_pages_show_the_payload_as_text_and_run_nothing(client, hostile):
    slug, resolved = hostile["article"].slug, hostile["resolved"]
    inspect(get_page(client, "/"), ARTICLE_TITLE, "Tom & Jerry wrote <b>bold</b> words", SCRIPT,
            "Predict " + PAYLOAD)
    inspect(get_page(client, f"/articles/{slug}"), ARTICLE_TITLE, TITLE)
    inspect(get_page(client, f"/articles/{slug}/predictions"), TITLE, f"Waiting {PAYLOAD}")
    page = inspect(get_page(client, f"/predictions/{resolved}"),
                   TITLE, QUOTE, f"Judged by {SCRIPT}", f"I disagree: {SCRIPT}",
                   f"Reply {SCRIPT}", NOTE)
    assert SOURCE in page.links  # the source is a link whose address is exactly what was typed
    assert all("javascript" not in link.lower() for link in page.links)
    assert any(TITLE in label for label in page.svg_labels), page.svg_labels  # <title> of the chart
    for username in ("alice", "bob"):
        inspect(get_page(client, f"/users/{username}"), BIO, TITLE)
    inspect(get_page(client, "/leaderboard"), "alice", "bob")
    inspect(get_page(client, f"/leaderboard?article={slug}"), ARTICLE_TITLE)


def test_the_article_page_marks_a_quote_that_holds_markup_and_entities(client, hostile):
    page = get_page(client, f"/articles/{hostile['article'].slug}")
    inspect(page)
    assert '<mark class="cited"' in page  # found again in the HTML, entities and all
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_member_and_moderator_pages_show_the_payload_as_text(auth, make_app, hostile):
    app = make_app()
    alice, mod = app.test_client(), app.test_client()
    auth.on(alice).login()
    auth.on(mod).login("mod")
    inspect(get_page(alice, "/notifications"), "bob commented on your prediction “Claim <script>")
    inspect(get_page(alice, "/settings"), BIO)
    inspect(get_page(alice, f"/predictions/{hostile['resolved']}"), TITLE, NOTE)
    inspect(get_page(mod, "/moderation"), f"Waiting {PAYLOAD}", FLAG_TEXT,
            f"I disagree: {SCRIPT}", NOTE)
    inspect(get_page(mod, "/moderation/audit"), HIDE_REASON)
    inspect(get_page(mod, "/moderation/members"), "alice")
    inspect(get_page(mod, f"/report/comment/{hostile['comment']}"), TITLE)


REFLECTED = [
    "/articles/hostile-article/predictions?q={}",
    "/login?next={}",
    "/users/{}",
    "/moderation/members?q={}",
    "/moderation/audit?actor={}",
    "/leaderboard?article={}",
    "/articles/{}",
]


def test_text_reflected_from_the_address_is_escaped(auth, make_app, hostile):
    client = make_app().test_client()
    auth.on(client).login("mod")
    for path in REFLECTED:
        response = client.get(path.format(PAYLOAD.replace("&", "%26")))
        assert response.status_code < 500, path
        inspect(response.get_data(as_text=True))


def test_a_form_shown_again_with_errors_keeps_the_payload_as_text(auth, client, hostile):
    auth.login("bob")
    response = client.post(f"/articles/{hostile['article'].slug}/predictions", data={
        "title": TITLE, "criteria": CRITERIA, "probability": "30", "resolution_date": "tomorrow",
        "quote": BREAKOUT, "source": "board"})
    assert response.status_code == 422
    page = inspect(response.get_data(as_text=True), CRITERIA, BREAKOUT)
    assert TITLE in page.values  # the input's value attribute is exactly what was typed
    response = client.post(f"/predictions/{hostile['waiting']}/comments",
                           data={"body": "", "parent_id": BREAKOUT})
    assert response.status_code in (409, 422)
    inspect(response.get_data(as_text=True))
    response = client.post(f"/report/comment/{hostile['comment']}",
                           data={"reason": BREAKOUT, "text": FLAG_TEXT})
    assert response.status_code == 422
    inspect(response.get_data(as_text=True), FLAG_TEXT)


def test_the_resolve_form_shown_again_keeps_the_payload_as_text(auth, client, hostile):
    auth.login("mod")
    response = client.post(f"/predictions/{hostile['waiting']}/resolve", data={
        "outcome": "yes", "note": NOTE, "source_url": "javascript:alert(1)",
        "outcome_time": SCRIPT})
    assert response.status_code == 422
    inspect(response.get_data(as_text=True), NOTE)


NOT_WEB_ADDRESSES = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "javascript://example.com/%0aalert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "//example.com/x", "https:/example.com", "http://",
]


def test_a_source_that_is_not_a_web_address_is_refused_by_the_form_and_the_api(auth, client,
                                                                              hostile):
    before = db.session.scalar(select(db.func.count()).select_from(Resolution))
    auth.login("mod")
    headers = bearer(hostile["users"]["mod"])
    for url in NOT_WEB_ADDRESSES:
        page = client.post(f"/predictions/{hostile['waiting']}/resolve",
                           data={"outcome": "yes", "note": "Known.", "source_url": url})
        assert page.status_code == 422, url
        inspect(page.get_data(as_text=True))
        api = client.post(f"/api/v1/predictions/{hostile['waiting']}/resolution",
                          json={"outcome": "yes", "note": "Known.", "source_url": url},
                          headers=headers)
        assert api.status_code == 422, url
        assert "source_url" in api.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Resolution)) == before


def atom(client, path: str) -> ElementTree.Element:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    body = response.get_data(as_text=True)
    assert SCRIPT not in body and BREAKOUT not in body and CDATA_END not in body
    return ElementTree.fromstring(response.data)  # well-formed XML, or this raises


def test_both_atom_feeds_parse_as_xml_and_carry_the_payload_as_text(client, hostile):
    ns = {"a": "http://www.w3.org/2005/Atom"}
    slug = hostile["article"].slug
    feed = atom(client, f"/articles/{slug}/predictions.atom")
    assert feed.findtext("a:title", namespaces=ns) == f"New predictions: {ARTICLE_TITLE}"
    titles = [entry.findtext("a:title", namespaces=ns) for entry in feed.findall("a:entry", ns)]
    assert TITLE in titles
    for entry in feed.findall("a:entry", ns):
        content = entry.find("a:content", ns)
        assert content.get("type") == "html"
        inspect(content.text, f"Judged by {SCRIPT}")  # the HTML a feed reader will render

    feed = atom(client, f"/articles/{slug}/resolutions.atom")
    (entry,) = feed.findall("a:entry", ns)
    assert entry.findtext("a:title", namespaces=ns) == f"Resolved YES: {TITLE}"
    summary = entry.findtext("a:summary", namespaces=ns)
    assert NOTE in summary and SOURCE in summary


def test_api_html_fields_are_sanitised_and_text_fields_are_exact(client, hostile):
    article = client.get(f"/api/v1/articles/{hostile['article'].slug}").get_json()
    assert article["title"] == ARTICLE_TITLE
    inspect(article["body_html"], "Tom & Jerry wrote <b>bold</b> words", SCRIPT)
    prediction = client.get(f"/api/v1/predictions/{hostile['resolved']}").get_json()
    assert prediction["title"] == TITLE and prediction["quote"] == QUOTE
    assert prediction["criteria"] == CRITERIA
    assert prediction["resolution"]["note"] == NOTE
    assert prediction["resolution"]["source_url"] == SOURCE
    if "criteria_html" in prediction:
        inspect(prediction["criteria_html"], f"Judged by {SCRIPT}")
    comments = client.get(f"/api/v1/predictions/{hostile['resolved']}/comments").get_json()
    shown = [item for item in comments["items"] if not item["hidden"]]
    assert {item["body"] for item in shown} == {COMMENT, REPLY}
    for item in shown:
        page = inspect(item["body_html"], SCRIPT)
        assert not any("javascript" in link.lower() for link in page.links)
