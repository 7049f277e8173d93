"""Links that travel (issue 15, item 2): every page has its own `<title>` and a
`<meta name="description">`; every page a GET shows names its canonical address under
SITE_URL; the article and prediction pages carry Open Graph and Twitter card tags (title,
claim, crowd figure, a description)."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.factories import make_comment, make_forecast, make_prediction, make_user

SITE = "https://forum.example.org"


class Head(HTMLParser):
    """The `<title>`, `<meta>` and `<link>` elements of a page's head."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.titles: list[str] = []
        self.metas: list[dict] = []
        self.links: list[dict] = []
        self._in_title = False
        self.feed(html.split("</head>", 1)[0])

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
            self.titles.append("")
        elif tag == "meta":
            self.metas.append(dict(attrs))
        elif tag == "link":
            self.links.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.titles[-1] += data

    def meta(self, key: str) -> list[str]:
        return [m.get("content", "") for m in self.metas
                if key in (m.get("name"), m.get("property"))]

    def one(self, key: str) -> str:
        values = self.meta(key)
        assert len(values) == 1, (key, values)
        return values[0]

    def canonical(self) -> list[str]:
        return [link["href"] for link in self.links if link.get("rel") == "canonical"]


def test_every_page_has_a_title_a_description_and_its_canonical_address(rendered_pages):
    from config import TestConfig

    checked = 0
    for page in rendered_pages:
        head = Head(page.html)
        assert len(head.titles) == 1 and head.titles[0].strip(), page.name
        assert head.titles[0].strip() != "Forecast Forum · Forecast Forum", page.name
        description = head.one("description")
        assert len(description.strip()) > 40, (page.name, description)
        canonical = head.canonical()
        if page.method == "GET" and page.status == 200:
            assert len(canonical) == 1, (page.name, canonical)
            assert canonical[0].startswith(TestConfig.SITE_URL + "/"), (page.name, canonical)
            if page.path != "/":  # the home page is the newest article's page
                assert urlsplit(canonical[0]).path == urlsplit(page.path).path, page.name
            checked += 1
        elif page.template == "errors/error.html":  # no address of its own
            assert canonical == [], page.name
        else:  # a form shown again with its errors names the page it belongs to, if any
            assert len(canonical) <= 1, page.name
            assert all(url.startswith(TestConfig.SITE_URL + "/") for url in canonical)
    assert checked > 30


@pytest.fixture
def shared_site(make_app):
    """An app whose public address differs from the one the test client asks for."""
    app = make_app(SITE_URL=SITE)
    with app.app_context():
        from tests.factories import make_article

        article = make_article()
        alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
        claim = 'Kim & "Trump" <meet> again before 2028'
        prediction = make_prediction(article, alice, title=claim, probability=0.35,
                                     criteria="Resolves **yes** if both leaders meet in person.")
        make_forecast(prediction, bob, 0.6)
        make_forecast(prediction, carol, 0.7)
        make_comment(prediction, bob, "Both sides want the pictures.")
        yield {"client": app.test_client(), "article": article, "prediction": prediction,
               "claim": claim}


def test_a_prediction_page_shares_its_claim_and_the_crowd(shared_site):
    prediction = shared_site["prediction"]
    response = shared_site["client"].get(f"/predictions/{prediction.id}",
                                         headers={"Host": "evil.example"})
    head = Head(response.get_data(as_text=True))
    claim, url = shared_site["claim"], f"{SITE}/predictions/{prediction.id}"
    assert head.titles == [f"{claim} · Forecast Forum"]
    assert head.canonical() == [url]
    assert head.one("og:url") == url
    assert head.one("og:title") == head.one("twitter:title") == claim
    assert head.one("og:type") == "article"
    assert head.one("og:site_name") == "Forecast Forum"
    assert head.one("twitter:card") == "summary"
    description = head.one("description")
    assert head.one("og:description") == head.one("twitter:description") == description
    # the author's figure, the crowd's (median of 35, 60 and 70), who and when, the criteria
    assert "alice says 35 %" in description
    assert "crowd 60 % from 3 forecasters" in description
    assert "Resolves yes if both leaders meet in person." in description
    assert "**" not in description and "<" not in description
    assert head.one("twitter:label1") == "Crowd forecast"
    assert head.one("twitter:data1") == "60 % · 3 forecasters"
    assert head.one("twitter:label2") == "Resolves"


def test_the_article_page_shares_its_title_and_opening(shared_site):
    article = shared_site["article"]
    url = f"{SITE}/articles/{article.slug}"
    for path in ("/", f"/articles/{article.slug}"):
        head = Head(shared_site["client"].get(path).get_data(as_text=True))
        assert head.titles == [f"{article.title} · Forecast Forum"]
        assert head.canonical() == [url]  # the home page shows the newest article
        assert head.one("og:url") == url
        assert head.one("og:title") == head.one("twitter:title") == article.title
        description = head.one("description")
        assert description.startswith("The first paragraph says something worth predicting")
        assert head.one("og:description") == description
        assert head.one("twitter:data1") == "1 open to forecast"


def test_descriptions_and_titles_are_page_specific(shared_site):
    client, prediction = shared_site["client"], shared_site["prediction"]
    paths = ["/", f"/predictions/{prediction.id}",
             f"/articles/{shared_site['article'].slug}/predictions", "/leaderboard",
             "/leaderboard/rules", "/users/alice", "/users/bob"]
    heads = [Head(client.get(path).get_data(as_text=True)) for path in paths]
    assert len({head.one("description") for head in heads}) == len(paths)
    assert len({head.titles[0] for head in heads}) == len(paths)
    for head in heads[2:]:  # only the article and prediction pages are cards
        assert head.meta("og:title") == [] and head.meta("twitter:card") == []


def test_a_listing_names_its_page_but_not_its_sorting(shared_site):
    article = shared_site["article"]
    for number in range(25):
        make_prediction(article, make_user(f"writer{number}"), title=f"Claim number {number}")
    client = shared_site["client"]
    board = f"/articles/{article.slug}/predictions"
    first = Head(client.get(board + "?sort=new&status=open").get_data(as_text=True))
    second = Head(client.get(board + "?page=2&sort=new").get_data(as_text=True))
    assert first.canonical() == [SITE + board]
    assert second.canonical() == [SITE + board + "?page=2"]
