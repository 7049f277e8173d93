"""Absolute links come from SITE_URL and nothing a client sends (issue 10, item 1).

An attacker's `Host`, `X-Forwarded-Host`, `-Proto`, `-Prefix` or `-Port` (believed or not,
behind PROXY_FIX_HOPS=1) reaches neither a page's body nor the anonymous page cache's key, so
nothing they send can poison what later readers, feed readers and API clients get. In
production a request for any host but SITE_URL's is refused with the site's own 400.
"""

import re
from pathlib import Path

import pytest

from tests.factories import make_article, make_prediction, make_user
from tests.moderation_support import resolve

SITE = "https://forum.example.org"
ROOT = Path(__file__).resolve().parent.parent

POISON = [
    {"Host": "attacker.example"},
    {"Host": "attacker.example:8443"},
    {"X-Forwarded-Host": "attacker.example"},
    {"X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "attacker.example:81"},
    {"X-Forwarded-Prefix": "/attacker.example"},
    {"X-Forwarded-Port": "6666", "X-Forwarded-Server": "attacker.example"},
    {"Forwarded": "host=attacker.example;proto=http"},
    {"X-Original-URL": "//attacker.example/", "X-Host": "attacker.example"},
    {"Accept": "text/x-attacker.example"},
]


@pytest.fixture
def site(make_app):
    """An app behind one proxy (so X-Forwarded-* are believed), caching anonymous pages, with
    a prediction, a resolution and a profile to link to. Returns the app and its paths."""
    app = make_app(SITE_URL=SITE + "/", PROXY_FIX_HOPS=1, PAGE_CACHE_SECONDS=60)
    with app.app_context():
        article = make_article()
        alice, mod = make_user("alice"), make_user("morgan", role="moderator")
        open_one = make_prediction(article, alice, title="Still open")
        resolved = make_prediction(article, alice, title="Already known")
        resolve(resolved, mod)
        paths = {
            "article": f"/articles/{article.slug}",
            "board": f"/articles/{article.slug}/predictions",
            "prediction": f"/predictions/{open_one.id}",
            "predictions feed": f"/articles/{article.slug}/predictions.atom",
            "resolutions feed": f"/articles/{article.slug}/resolutions.atom",
            "profile": "/users/alice",
            "leaderboard": "/leaderboard",
            "API list": f"/api/v1/articles/{article.slug}/predictions",
            "API prediction": f"/api/v1/predictions/{resolved.id}",
            "API user": "/api/v1/users/alice",
        }
    return app, paths


# The links each page must carry, built from SITE_URL.
EXPECTED = {
    "predictions feed": [f'href="{SITE}/articles/', f'href="{SITE}/predictions/',
                         "tag:forum.example.org,"],
    "resolutions feed": [f'href="{SITE}/articles/', f'href="{SITE}/predictions/',
                         "tag:forum.example.org,"],
    "profile": [f'<link rel="canonical" href="{SITE}/users/alice">'],
    "API list": [f'"url":"{SITE}/predictions/'],
    "API prediction": [f'"url":"{SITE}/predictions/'],
}


def body(response) -> str:
    return response.get_data(as_text=True).replace('": "', '":"')


@pytest.mark.parametrize("page", ["predictions feed", "resolutions feed", "profile", "API list",
                                  "API prediction", "article", "board", "prediction",
                                  "leaderboard", "API user"])
def test_poisoned_requests_change_nothing_a_later_reader_gets(site, page):
    app, paths = site
    client = app.test_client()
    for headers in POISON:
        poisoned = client.get(paths[page], headers=headers)
        assert poisoned.status_code == 200, headers
        assert "attacker" not in body(poisoned), headers
        assert "gopher" not in body(poisoned), headers
    clean = client.get(paths[page])
    assert clean.status_code == 200
    assert clean.headers["X-Cache"] == "hit"  # the poisoned requests filled the cache
    text = body(clean)
    assert "attacker" not in text and "localhost" not in text
    for link in EXPECTED.get(page, []):
        assert link in text


@pytest.mark.parametrize("headers", POISON)
def test_no_request_header_reaches_a_page_body(make_app, headers):
    """Without the cache: the same URL gives the same bytes whatever the headers say."""
    app = make_app(SITE_URL=SITE, PROXY_FIX_HOPS=1)
    with app.app_context():
        article = make_article()
        alice = make_user("alice")
        prediction = make_prediction(article, alice)
        resolve(prediction, make_user("morgan", role="moderator"))
        paths = (f"/articles/{article.slug}/predictions.atom",
                 f"/articles/{article.slug}/resolutions.atom", "/users/alice",
                 f"/api/v1/predictions/{prediction.id}", f"/articles/{article.slug}")
    client = app.test_client()
    for path in paths:
        assert client.get(path, headers=headers).data == client.get(path).data, path


def test_a_foreign_host_is_refused_with_the_sites_400_in_production(make_app):
    app = make_app(FORUM_ENV="production", SECRET_KEY="a-production-secret", SITE_URL=SITE,
                   PROXY_FIX_HOPS=1, PAGE_CACHE_SECONDS=60)
    with app.app_context():
        make_article()
    assert app.config["TRUSTED_HOSTS"] == ["forum.example.org"]
    client = app.test_client()
    own = {"Host": "forum.example.org"}
    assert client.get("/leaderboard", headers=own).status_code == 200
    assert client.get("/leaderboard", headers={"Host": "forum.example.org:443"}).status_code == 200
    for path in ("/leaderboard", "/users/nobody", "/no/such/page"):
        for headers in ({"Host": "attacker.example"},
                        {**own, "X-Forwarded-Host": "attacker.example"}):
            page = client.get(path, headers=headers)
            assert page.status_code == 400, (path, headers)
            text = page.get_data(as_text=True)
            assert "That request could not be read" in text  # the site's own error page
            assert '<nav' in text and "attacker" not in text
            assert "X-Cache" not in page.headers
            assert page.headers["Content-Security-Policy"]
    api = client.get("/api/v1/articles", headers={"Host": "attacker.example"})
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "bad_request"
    posted = client.post("/login", data={"username": "x", "password": "y"},
                         headers={"Host": "attacker.example"})
    assert posted.status_code == 400
    # The cache was never filled from a foreign request, and own-host readers still get pages.
    assert client.get("/leaderboard", headers=own).headers["X-Cache"] in ("hit", "miss")


def test_production_refuses_to_start_without_site_url(make_app):
    with pytest.raises(RuntimeError, match="FORUM_ENV=production needs SITE_URL"):
        make_app(FORUM_ENV="production", SECRET_KEY="a-production-secret", SITE_URL=None)


@pytest.mark.parametrize("value", ["forum.example.org", "ftp://forum.example.org",
                                   "https://forum.example.org/?next=x", "https://",
                                   "https://user@forum.example.org", "https://x.org:0",
                                   "https://x.org:99999"])
def test_a_malformed_site_url_is_refused_at_start(make_app, value):
    with pytest.raises(RuntimeError, match="SITE_URL must be"):
        make_app(SITE_URL=value)


def test_development_defaults_to_the_make_run_address_and_serves_any_host(make_app):
    app = make_app(SITE_URL=None)
    assert app.config["SITE_URL"] == "http://127.0.0.1:5000"
    assert app.config["TRUSTED_HOSTS"] is None
    with app.app_context():
        prediction_id = make_prediction(make_article(), make_user("alice")).id
    response = app.test_client().get(f"/api/v1/predictions/{prediction_id}",
                                     headers={"Host": "laptop.local:8000"})
    assert response.status_code == 200
    assert response.get_json()["url"] == f"http://127.0.0.1:5000/predictions/{prediction_id}"


def test_a_site_under_a_path_builds_links_under_it(make_app):
    app = make_app(SITE_URL="https://example.org/forum/")
    with app.app_context():
        prediction_id = make_prediction(make_article(), make_user("alice")).id
    response = app.test_client().get(f"/api/v1/predictions/{prediction_id}")
    assert response.get_json()["url"] == f"https://example.org/forum/predictions/{prediction_id}"


BUILT_FROM_THE_REQUEST = re.compile(
    r"_external|\b(host_url|url_root|root_url|base_url|HTTP_HOST|HTTP_X_FORWARDED)|"
    r"request\.(host|url|scheme)\b")


def test_no_code_builds_a_link_from_the_request():
    """The class, not the instances: nothing under forum/ or templates/ but forum/site.py
    (which sets the host of a refused request) reads the request's host, scheme or URL."""
    offenders = []
    for path in [*ROOT.joinpath("forum").rglob("*.py"), *ROOT.joinpath("templates").rglob("*")]:
        if path.is_dir() or path == ROOT / "forum" / "site.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BUILT_FROM_THE_REQUEST.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
