"""Every page type the forum renders, as HTML, for the checks that judge pages as a whole
(the W3C Nu checker, axe-core in Chromium, the `<time datetime>` values).

The pages come from walking the app's own URL map (tests/route_support.py), so a page added
later is checked without a line of its own:

- an empty site (no article, no member): every page that needs no argument, as a visitor;
- a site with content (tests/route_support.py's `build_site`, plus a resolved prediction with
  scores, a deleted comment, a cited passage and text long enough to wrap): every GET route,
  with every value, as a visitor, a member and a moderator, 4xx pages included;
- forms with errors shown: every form found on those pages that has text to type, posted
  once empty and once with text a form must refuse (control characters and noncharacters,
  which the refusal echoes back), by the same viewer.

API, feed and download routes answer JSON, XML or files, not pages: only `text/html`
answers are kept."""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import template_rendered
from werkzeug.exceptions import HTTPException

from forum.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_forecast
from tests.route_support import build_site, concrete_paths, link_tokens

VIEWERS = ("anonymous", "reader", "mod")
# Text no form may accept: a C1 control and a noncharacter, which a careless page would echo
# into its HTML, and markup that must come back escaped.
BAD_TEXT = "bad\x85text\ufdd0 <b>&amp;</b>"
# Forms that end the viewer's session or account rather than show an error.
LEAVING_ENDPOINTS = {"auth.logout"}
# Everything a member's Markdown may hold, headings of every level among them.
RICH_MARKDOWN = """# A first-level heading

Some *emphasis*, **strength**, ~~a strike~~, `code` and [a link](https://example.org/a).

#### A fourth-level heading

> A quotation
> over two lines

1. one
2. two

- a
- b

| Year | Tests |
| ---- | ----: |
| 2017 | 1 |

```
a_long_line_of_code_that_does_not_break_anywhere_at_all_whatever_the_width_of_the_screen_is = 1
```

###### A sixth-level heading

---
"""


@dataclass(frozen=True)
class RenderedPage:
    state: str  # "empty site", or "content" with a viewer
    viewer: str
    method: str
    endpoint: str
    path: str
    status: int
    template: str  # the template the view rendered (the page's type)
    html: str
    headers: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        return f"{self.state}/{self.viewer} {self.method} {self.path} -> {self.status}"

    @property
    def kind(self) -> tuple[str, str, str, str]:
        """What makes two pages the same type: one of each is enough for slow checks."""
        return (self.state, self.viewer, self.method, self.template)


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field with its value."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = None
            if (attributes.get("method") or "get").lower() == "post":
                self._form = {"action": attributes.get("action") or "", "fields": {},
                              "typed": set(), "secret": set()}
                self.forms.append(self._form)
            return
        if self._form is None or not attributes.get("name"):
            return
        name, kind = attributes["name"], (attributes.get("type") or "text").lower()
        if tag == "textarea":
            self._form["fields"][name] = ""
            self._form["typed"].add(name)
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and self._select not in self._form["fields"]:
            self._form["fields"][self._select] = attributes.get("value", "")
        elif tag == "input" and kind in ("checkbox", "radio"):
            if "checked" in attributes or name not in self._form["fields"]:
                self._form["fields"][name] = attributes.get("value", "on")
        elif tag == "input" and kind not in ("submit", "button", "image", "reset", "file"):
            self._form["fields"][name] = attributes.get("value", "")
            if kind != "hidden":
                self._form["typed"].add(name)
            if kind == "password":
                self._form["secret"].add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return [form for form in parser.forms if form["typed"]]


def _seed_content(article) -> dict:
    """The forum of `build_site`, and what else a page shows only when it exists."""
    from tests.factories import make_prediction
    from tests.moderation_support import closed_prediction, resolve

    site = build_site(article)
    reader, author, mod = site["reader"], site["author"], site["mod"]
    cited = make_prediction(article, reader, title="Inspectors return to Yongbyon " + "x" * 80,
                            criteria="Resolves yes if **inspectors** are reported on site.",
                            quote="A second paragraph, under a heading, with a passage "
                                  "readers may quote.")
    make_forecast(cited, author, 0.2)
    make_prediction(article, author, title="A second claim on the same passage",
                    quote=cited.quote)
    settled = closed_prediction(article, author, forecasts=[(reader, 0.8, 20), (mod, 0.3, 10)],
                                title="The summit will take place before the deadline")
    resolve(settled, mod, "yes")
    make_comment(site["visible"], mod, RICH_MARKDOWN)
    make_prediction(article, mod, title="A claim whose criteria use every kind of Markdown",
                    criteria=RICH_MARKDOWN)
    gone = make_comment(site["visible"], reader, "A comment its writer deleted.")
    make_comment(site["visible"], author, "An answer to the deleted comment.", parent=gone)
    from forum.comments.services import delete_comment

    delete_comment(gone, reader)
    db.session.commit()
    return {**site, "cited": cited, "settled": settled}


def _values(site):
    by_type = {"prediction": [site["visible"].id, site["hidden"].id],
               "comment": [site["comment"].id, site["hidden_comment"].id],
               "resolution": [site["resolution"].id]}

    def values(name, chosen):
        return {
            "slug": [site["visible"].article.slug],
            "prediction_id": [site["visible"].id, site["hidden"].id, site["cited"].id,
                              site["settled"].id],
            "comment_id": [site["comment"].id],
            "target_id": by_type.get(chosen.get("target_type"), []),
            "notification_id": [note.id for note in site["notifications"]],
            "username": ["author", "reader"],
            "user_id": [site["author"].id],
            "flag_id": [site["flag"].id],
            "token_id": [site["token_id"]],
            "token": link_tokens(site["reader"]),
            "export_id": [1],
        }.get(name, [])

    return values


def _keep(pages, state, viewer, method, endpoint, path, response, templates) -> None:
    """Keep an HTML page (not a redirect's stub, nor JSON, XML or a file)."""
    if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
        pages.append(RenderedPage(state, viewer, method, endpoint, path,
                                  response.status_code, templates[-1] if templates else "",
                                  response.get_data(as_text=True),
                                  tuple(response.headers.items())))
    templates.clear()


def _client_for(app, viewer):
    client = app.test_client()
    if viewer != "anonymous":
        answer = client.post("/login", data={"username": viewer, "password": DEFAULT_PASSWORD})
        assert answer.status_code == 302, f"{viewer} could not log in"
    return client


def _endpoint_of(app, path: str, method: str) -> str | None:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(path).path, method=method)
    except HTTPException:
        return None
    return endpoint


def _walk(app, pages, state, viewers, values) -> None:
    templates: list[str] = []

    def rendered(sender, template, context, **extra):
        templates.append(template.name)

    with template_rendered.connected_to(rendered, app):
        _walk_as(app, pages, state, viewers, values, templates)


def _walk_as(app, pages, state, viewers, values, templates) -> None:
    paths = [(method, endpoint, path) for method, endpoint, path
             in concrete_paths(app, {"GET"}, values) if not path.startswith("/api/")]
    for viewer in viewers:
        client = _client_for(app, viewer)
        shown = []
        for method, endpoint, path in paths:
            templates.clear()
            response = client.get(path)
            _keep(shown, state, viewer, method, endpoint, path, response, templates)
        missing = client.get("/no-such-page")
        _keep(shown, state, viewer, "GET", "404", "/no-such-page", missing, templates)
        pages += shown
        # Forms with errors: each form with text to type, once per action and viewer.
        posted = set()
        for page in shown:
            for form in post_forms(page.html):
                action = form["action"] or page.path
                endpoint = _endpoint_of(app, action, "POST")
                if endpoint is None or endpoint in LEAVING_ENDPOINTS or action in posted:
                    continue
                posted.add(action)
                for text in ("", BAD_TEXT):
                    # A password is always left empty: a valid reset link would take any.
                    data = {**form["fields"], **{name: text for name in form["typed"]},
                            **{name: "" for name in form["secret"]}}
                    templates.clear()
                    response = client.post(action, data=data)
                    _keep(pages, state, viewer, "POST", endpoint, action, response, templates)


def collect_pages(app) -> list[RenderedPage]:
    """Render every page type in the states above. Leaves the database with the content
    site in it: the caller empties it."""
    pages: list[RenderedPage] = []
    with app.app_context():
        _walk(app, pages, "empty site", ("anonymous",), lambda name, chosen: [])
        article = make_article()
        site = _seed_content(article)
        _walk(app, pages, "content", VIEWERS, _values(site))
    return pages


__all__ = ["BAD_TEXT", "VIEWERS", "RenderedPage", "collect_pages", "post_forms"]
