"""One render-blocking stylesheet per page (forum/assets.py): every linked sheet exists and is
served, fingerprinted and immutable, and holds the four source files in their cascade order."""

import re
from pathlib import Path

import pytest

from forum.assets import BUNDLES, STYLESHEET, StaticText
from tests.factories import make_prediction, make_user

STATIC = Path(__file__).resolve().parents[1] / "static"
LINK = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*>")
HREF = re.compile(r'href="([^"]+)"')


def stylesheets(html: str) -> list[str]:
    return [HREF.search(tag).group(1) for tag in LINK.findall(html)]


@pytest.fixture
def pages(app, article):
    alice = make_user("alice")
    make_user("mod", role="moderator")
    prediction = make_prediction(article, alice)
    return {"home": "/", "board": f"/articles/{article.slug}/predictions",
            "prediction": f"/predictions/{prediction.id}", "leaderboard": "/leaderboard",
            "profile": "/users/alice", "login": "/login", "missing": "/no-such-page"}


def test_an_anonymous_page_links_exactly_one_stylesheet(client, pages):
    for name, path in pages.items():
        response = client.get(path)
        sheets = stylesheets(response.text)
        assert len(sheets) == 1, (name, sheets)
        assert sheets[0].startswith(f"/static/{STYLESHEET}?v="), (name, sheets)


def test_a_moderator_page_links_the_same_sheet_which_holds_the_moderation_rules(auth, client,
                                                                               pages):
    auth.login("mod")
    queue = client.get("/moderation")
    assert queue.status_code == 200
    sheets = stylesheets(queue.text)
    assert sheets == stylesheets(client.get(pages["prediction"]).text)
    assert len(sheets) == 1
    css = client.get(sheets[0]).text
    for rule in (".queue-item", ".mod-subnav", ".resolution-log", ".leaderboard", ".site-header"):
        assert rule in css, rule


def test_every_linked_stylesheet_is_served_fingerprinted_and_immutable(client, pages):
    for path in pages.values():
        for href in stylesheets(client.get(path).text):
            response = client.get(href)
            assert response.status_code == 200, href
            assert response.mimetype == "text/css"
            assert response.cache_control.immutable
            assert response.cache_control.max_age == 365 * 86400


def test_the_stylesheet_is_its_sources_in_the_order_the_four_links_had(client, pages):
    href = stylesheets(client.get("/").text)[0]
    expected = b"".join((STATIC / source).read_bytes() for source in BUNDLES[STYLESHEET])
    assert BUNDLES[STYLESHEET] == ("css/site.css", "css/board.css", "css/moderation.css",
                                   "css/scores.css")
    assert client.get(href).data == expected


def test_a_fingerprint_that_is_not_current_still_gets_the_current_sheet(client, pages):
    response = client.get(f"/static/{STYLESHEET}?v=0000000000")
    assert response.status_code == 200 and response.mimetype == "text/css"


def test_an_edited_source_changes_the_sheet_and_its_fingerprint(tmp_path, monkeypatch):
    (tmp_path / "css").mkdir()
    for source in BUNDLES[STYLESHEET]:
        (tmp_path / source).write_text(f"/* {source} */\n.a {{ color: red; }}")
    store = StaticText(str(tmp_path))
    before = store.get(STYLESHEET)
    assert before.body.count(b"color: red") == 4 and before.body.endswith(b"}\n")
    edited = tmp_path / BUNDLES[STYLESHEET][1]
    edited.write_text("/* changed */ .b { color: blue; }\n")
    after = store.get(STYLESHEET)
    assert b".b { color: blue; }" in after.body and after.digest != before.digest
    assert store.get(STYLESHEET) is after  # unchanged sources: the same asset, no rebuild


def test_a_missing_source_is_an_error_not_an_empty_sheet(tmp_path):
    (tmp_path / "css").mkdir()
    with pytest.raises(FileNotFoundError):
        StaticText(str(tmp_path)).get(STYLESHEET)


@pytest.mark.parametrize("name", ["../config.py", "css/../../config.py", "css/nothing.css"])
def test_only_files_inside_the_static_folder_are_served(client, name):
    assert client.get(f"/static/{name}").status_code == 404
