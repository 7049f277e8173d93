"""Hidden content stays hidden from members and visitors on every route (issue 10, item 2).

A prediction a moderator hid is 404 to everyone but moderators: its page, its report pages
and those of its comments and resolutions, the API, votes and comments on it, notifications
about it; it is absent from the board, search, feeds, profiles and leaderboards. The walks
below take every rule of the app's URL map, so a route added later is covered too."""

import html
import io
import zipfile

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Flag, Forecast, Notification, Vote
from tests.api_support import bearer
from tests.fixtures.accounts import AuthActions
from tests.moderation_support import fast_passwords  # noqa: F401
from tests.route_support import (
    NOT_A_TOKEN,
    SECRETS,
    build_site,
    changed_tables,
    concrete_paths,
    table_snapshot,
)

VIEWERS = ("anonymous", "reader", "author")  # the author of the hidden prediction included


@pytest.fixture
def site(article):
    return build_site(article)


def hidden_values(site):
    """Every argument a route takes, pointing at hidden content wherever it can."""
    hidden_notes = [note.id for note in site["notifications"]
                    if note.prediction_id == site["hidden"].id]
    by_type = {"prediction": [site["hidden"].id], "comment": [site["on_hidden"].id,
                                                             site["hidden_comment"].id],
               "resolution": [site["resolution"].id]}

    def values(name, chosen):
        return {
            "slug": [site["hidden"].article.slug],
            "prediction_id": [site["hidden"].id],
            "comment_id": [site["on_hidden"].id],
            "target_id": by_type.get(chosen.get("target_type"), []),
            "notification_id": hidden_notes,
            "username": ["author", "reader", "mod"],
            "user_id": [site["author"].id],
            "flag_id": [site["flag"].id],
            "token_id": [site["token_id"]],
            "token": [NOT_A_TOKEN],
            "export_id": [1],
        }[name]

    return values


def become(client, site, viewer: str) -> dict:
    """Log the client in as the viewer (nothing for anonymous); API headers to use."""
    if viewer == "anonymous":
        return {}
    AuthActions(client).login(viewer)
    return bearer(site[viewer])


def response_text(response) -> str:
    """What a response shows, as text; a zip (the open dataset) as the text of its files."""
    data = response.get_data()
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return data.decode()


def shows_no_secret(response) -> None:
    body = html.unescape(response_text(response))
    leaked = [secret for secret in SECRETS if secret in body]
    assert not leaked, f"{response.request.path} showed {leaked}"


def names_hidden_content(path: str, site) -> bool:
    ids = {site["hidden"].id, site["on_hidden"].id, site["resolution"].id,
           *(note.id for note in site["notifications"] if note.prediction_id == site["hidden"].id)}
    return any(part.isdigit() and int(part) in ids for part in path.split("/")) and (
        "/users/" not in path and "/moderation/members" not in path
        and "/settings/" not in path and "/moderation/reports" not in path)


@pytest.mark.real_commits  # the walk downloads the dataset, read on a connection of its own
@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_get_route_shows_hidden_content(app, client, site, viewer):
    """Every GET route, with the hidden ids and with a search for the hidden title, as a
    visitor, a member and the hidden prediction's author: no secret in any answer, and every
    route that names hidden content answers 404 (or asks an anonymous visitor to log in)."""
    headers = become(client, site, viewer)
    paths = concrete_paths(app, {"GET"}, hidden_values(site))
    assert len(paths) > 25
    for _method, endpoint, path in paths:
        for query in ("", "?q=Hidden+claim&status=all&sort=new"):
            for extra in ({}, headers) if path.startswith("/api/") else ({},):
                response = client.get(path + query, headers=extra)
                assert response.status_code < 500, (path, response.status_code)
                shows_no_secret(response)
                if names_hidden_content(path, site) and not endpoint.startswith("moderation."):
                    if response.status_code == 302:
                        assert viewer == "anonymous" and "/login" in response.location, path
                    else:
                        assert response.status_code == 404, (path, response.status_code)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_write_route_reaches_hidden_content(app, client, site, viewer):
    """Every POST, PUT and DELETE route that takes an id, pointed at hidden content: refused
    (404, or 401/403/login for who may not write at all), no secret shown, no row changed."""
    headers = become(client, site, viewer)
    paths = [(method, endpoint, path) for method, endpoint, path
             in concrete_paths(app, {"POST", "PUT", "DELETE"}, hidden_values(site))
             if names_hidden_content(path, site)]
    assert {endpoint for _m, endpoint, _p in paths} >= {
        "moderation.report", "comments.create", "comments.vote", "comments.edit",
        "comments.delete", "board.vote", "board.forecast", "board.edit",
        "notifications.open_notification", "notifications.mark_read", "api.create_comment",
        "api.vote_on_comment", "api.vote_on_prediction", "api.create_forecast", "api.resolve"}
    body = {"body": "Still here?", "value": 1, "probability": 0.5, "reason": "spam",
            "title": "A new title that is long enough", "outcome": "no", "note": "No."}
    before = table_snapshot()
    for method, _endpoint, path in paths:
        if path.startswith("/api/"):
            response = client.open(path, method=method, json=body, headers=headers)
            allowed = {404, 401} if viewer == "anonymous" else {404, 403}
        else:
            response = client.open(path, method=method, data=body)
            allowed = {404, 302} if viewer == "anonymous" else {404, 403}
        if _at_hidden_comment(path, site) and viewer != "anonymous":
            allowed |= {409}  # in a visible thread, shown as removed: "it was removed"
        assert response.status_code in allowed, (method, path, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.location
        shows_no_secret(response)
    assert changed_tables(before, table_snapshot()) == []


def _at_hidden_comment(path: str, site) -> bool:
    """The path acts on the comment a moderator hid in a visible prediction's thread."""
    hidden = site["hidden_comment"].id
    return f"/comments/{hidden}/" in path or path.endswith(f"/comment/{hidden}")


def test_report_pages_of_a_hidden_predictions_comment_and_resolution_are_404(auth, client, site):
    """The review's finding: /report/comment/<id> and /report/resolution/<id> showed the
    hidden prediction's title and criteria."""
    auth.login("other")
    for path in (f"/report/comment/{site['on_hidden'].id}",
                 f"/report/resolution/{site['resolution'].id}",
                 f"/report/prediction/{site['hidden'].id}"):
        page = client.get(path)
        assert page.status_code == 404, path
        shows_no_secret(page)
        posted = client.post(path, data={"reason": "spam"})
        assert posted.status_code == 404
        shows_no_secret(posted)
    assert db.session.scalar(select(func.count(Flag.id))) == 1  # only the one made before


def test_the_api_hides_the_prediction_its_forecasts_comments_and_votes(client, site):
    headers = bearer(site["reader"])
    hidden, comment = site["hidden"].id, site["on_hidden"].id
    for extra in ({}, headers):
        for path in (f"/api/v1/predictions/{hidden}", f"/api/v1/predictions/{hidden}/forecasts",
                     f"/api/v1/predictions/{hidden}/comments"):
            response = client.get(path, headers=extra)
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"
        listing = client.get(f"/api/v1/articles/{site['hidden'].article.slug}/predictions"
                             "?status=all&q=Hidden+claim", headers=extra).get_json()
        assert listing["items"] == [] and listing["total"] == 0
    votes = db.session.scalar(select(func.count(Vote.id)))
    assert client.put(f"/api/v1/comments/{comment}/vote", json={"value": 1},
                      headers=headers).status_code == 404
    assert client.put(f"/api/v1/predictions/{hidden}/vote", json={"value": 1},
                      headers=headers).status_code == 404
    assert client.post(f"/api/v1/predictions/{hidden}/comments", json={"body": "Hello"},
                       headers=headers).status_code == 404
    assert client.post(f"/api/v1/predictions/{hidden}/forecasts", json={"probability": 0.4},
                       headers=headers).status_code == 404
    assert db.session.scalar(select(func.count(Vote.id))) == votes
    assert db.session.scalar(select(func.count(Forecast.id)).where(
        Forecast.prediction_id == hidden)) == 2


def test_notifications_about_a_hidden_prediction_leave_the_inbox(auth, client, site):
    reader = site["reader"]
    about_hidden = [note for note in site["notifications"]
                    if note.user_id == reader.id and note.prediction_id == site["hidden"].id]
    assert about_hidden  # it was resolved, and the author replied to the reader's comment
    auth.login("reader")
    inbox = client.get("/notifications")
    shows_no_secret(inbox)
    unread = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == reader.id, Notification.read_at.is_(None)))
    shown = html.unescape(client.get("/").get_data(as_text=True))
    visible_unread = unread - len(about_hidden)  # the rows stay, for when it is restored
    badge = f'<span class="count-badge">{visible_unread}</span>' if visible_unread else None
    assert (badge in shown) if badge else ('class="count-badge"' not in shown)
    for note in about_hidden:
        assert client.get(f"/notifications/{note.id}").status_code == 404
        assert client.post(f"/notifications/{note.id}").status_code == 404
        assert client.post(f"/notifications/{note.id}/read").status_code == 404
        db.session.expire_all()
        assert db.session.get(Notification, note.id).read_at is None


def test_moderators_still_see_hidden_content(auth, client, site):
    auth.login("mod")
    page = html.unescape(client.get(f"/predictions/{site['hidden'].id}").get_data(as_text=True))
    assert "SECRET-TITLE-7431" in page and "Hidden by a moderator" in page
    api = client.get(f"/api/v1/predictions/{site['hidden'].id}", headers=bearer(site["mod"]))
    assert api.status_code == 200 and api.get_json()["title"].startswith("Hidden claim")
    assert client.get(f"/predictions/{site['hidden'].id}/resolve").status_code == 200


def test_a_hidden_comment_shows_no_text_to_anyone_but_moderators(auth, client, site):
    for viewer in ("anonymous", "author", "reader"):
        if viewer != "anonymous":
            auth.login(viewer)
        page = client.get(f"/predictions/{site['visible'].id}")
        assert page.status_code == 200
        shows_no_secret(page)
        assert "[removed by a moderator]" in page.get_data(as_text=True)
        items = client.get(f"/api/v1/predictions/{site['visible'].id}/comments").get_json()
        hidden = next(item for item in items["items"] if item["id"] == site["hidden_comment"].id)
        assert hidden["hidden"] is True and hidden["body"] == "" and hidden["body_html"] == ""
        client.post("/logout")
    assert db.session.get(Comment, site["hidden_comment"].id).body.startswith("A hidden")
