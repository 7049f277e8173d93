"""Members' article and board pages are kept whole for a stand-in member and filled in for
each member (forum/member_pages.py): their name and unread count, their vote and standing
forecast on each row, their CSRF token. What a member gets must be byte for byte what a full
render gives them, whoever's page was kept first, and never stale after a write on another
server."""

import re

import pytest
from sqlalchemy import select

from forum import fragments
from forum.extensions import db
from forum.models import Comment, Prediction, User
from tests.factories import (
    DEFAULT_PASSWORD,
    make_article,
    make_forecast,
    make_prediction,
    make_user,
)
from tests.fixtures.database import counting_queries
from tests.test_auth import csrf_token
from tests.test_fragments import frozen, log_in, same_page  # noqa: F401 (a fixture)

MEMBERS = ("ann", "alice", "bob", "carl")
_FORM_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def board(app, frozen):  # noqa: F811 (the fixture imported above)
    """Predictions where each member stands somewhere else: ann wrote two; alice forecast on
    both and was notified of a reply; bob voted on one and forecast on the other; carl did
    nothing; sam is suspended and mod a moderator."""
    from forum.board.services import vote_on_prediction
    from forum.comments.services import add_comment

    article = make_article()
    ann, alice, bob = make_user("ann"), make_user("alice"), make_user("bob")
    make_user("carl", time_zone="Asia/Tokyo")  # the kept page reads times in his zone
    make_user("sam", suspended=True)
    make_user("mod", role="moderator")
    first = make_prediction(article, ann, title="Kept pages stay faithful")
    second = make_prediction(article, ann, title="A second row to vote on", probability=0.7)
    make_forecast(first, alice, 0.6)
    make_forecast(second, alice, 0.25)
    make_forecast(second, bob, 0.8)
    vote_on_prediction(bob, first, 1)
    vote_on_prediction(alice, second, -1)
    mine = add_comment(first, alice, "Alice's comment.", None)
    add_comment(first, ann, "Ann answers Alice.", mine.id)  # alice has a notification
    db.session.commit()
    return article.slug


def pages(slug: str) -> list[str]:
    first, second = db.session.scalars(select(Prediction.id).order_by(Prediction.id)).all()[:2]
    return ["/", f"/articles/{slug}", f"/articles/{slug}/predictions", f"/predictions/{first}",
            f"/predictions/{second}", f"/articles/{slug}/predictions?sort=new",
            f"/articles/{slug}?quote=A+passage", f"/predictions/{first}?comments=all"]


def kept_app(make_app):
    return make_app(FRAGMENT_CACHE_SECONDS=60)


@pytest.mark.parametrize("username", [None, *MEMBERS, "sam", "mod"])
def test_a_filled_page_equals_a_full_render(make_app, auth, board, username):
    kept, fresh = kept_app(make_app).test_client(), make_app().test_client()
    if username:
        log_in(auth, kept, username)
        log_in(auth, fresh, username)
    for path in pages(board):
        cold = kept.get(path).text  # keeps the page
        warm = kept.get(path).text  # fills it in
        full = fresh.get(path).text
        assert "A second row to vote on" in full or "Ann answers Alice." in full, path
        same_page(cold, full, (username, path))
        same_page(warm, full, (username, path))


def test_each_member_gets_their_own_parts_of_a_page_another_member_kept(make_app, auth, board):
    app = kept_app(make_app)
    fresh = make_app()
    for first in MEMBERS:  # whoever comes first, every other member's page is still theirs
        app.extensions.pop("fragments", None)
        order = [first, *(name for name in MEMBERS if name != first)]
        for username in order:
            kept, full = app.test_client(), fresh.test_client()
            log_in(auth, kept, username)
            log_in(auth, full, username)
            for path in pages(board)[:5]:
                same_page(kept.get(path).text, full.get(path).text, (first, username, path))
    store = app.extensions["fragments"]
    # one page each, but carl's: he reads them in his own time zone
    assert sum(1 for key in store._entries if key[0] == "member-page") == 10


def test_a_filled_page_shows_the_members_own_parts(make_app, auth, board):
    app = kept_app(make_app)
    seen = {}
    for username in ("alice", "bob", "carl"):
        client = app.test_client()
        log_in(auth, client, username)
        seen[username] = client.get("/").text
    assert 'data-testid="nav-username">alice<' in seen["alice"]
    assert 'data-testid="nav-username">bob<' in seen["bob"]
    assert "Inbox <span class=\"count-badge\">1</span>" in seen["alice"]
    assert "count-badge" not in seen["carl"]
    assert "you <strong>60 %</strong>" in seen["alice"]
    assert "you <strong>" not in seen["carl"]
    assert seen["bob"].count('aria-pressed="true"') == 1
    assert 'aria-pressed="true"' not in seen["carl"]
    tokens = {frozenset(re.findall(r'name="csrf_token" value="([^"]+)"', page))
              for page in seen.values()}
    assert len(tokens) == 3 and all(len(token) == 1 for token in tokens)


def test_the_kept_page_holds_nothing_of_the_member_it_was_rendered_for(make_app, auth, board):
    app = kept_app(make_app)
    client = app.test_client()
    log_in(auth, client, "alice")
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    (kept,) = [value for key, (_, _, value) in app.extensions["fragments"]._entries.items()
               if key[0] == "member-page"]
    text = "".join(kept.texts)
    assert "alice" not in text and token not in text
    assert fragments.CSRF_SENTINEL in text
    assert {name for name, _ in kept.parts} == {"nav", "row_vote", "row_figures"}


def test_a_kept_prediction_page_gives_each_member_their_forecast_and_tools(make_app, auth,
                                                                           board):
    app = kept_app(make_app)
    first = db.session.scalar(select(Prediction.id).order_by(Prediction.id))
    seen = {}
    for username in ("carl", "alice", "ann"):
        client = app.test_client()
        log_in(auth, client, username)
        seen[username] = client.get(f"/predictions/{first}").text
    assert "Your history" in seen["alice"] and "Update forecast" in seen["alice"]
    assert 'value="60"' in seen["alice"]  # her standing forecast, ready to update
    assert "Your history" not in seen["carl"] and "Update forecast" not in seen["carl"]
    assert "you (author)" in seen["ann"] and "you (author)" not in seen["alice"]
    assert "Dots mark your forecasts." in seen["alice"]
    assert "Dots mark your forecasts." not in seen["carl"]
    (kept,) = [value for key, (_, _, value) in app.extensions["fragments"]._entries.items()
               if key[0] == "member-page" and "Asia/Tokyo" not in key[1]]
    assert {name for name, _ in kept.parts} >= {
        "nav", "prediction_figures", "prediction_vote", "edit_note", "chart", "chart_legend",
        "thread", "forecast_card", "moderation_panel", "scores"}


def test_a_message_to_flash_is_shown_on_a_full_render(make_app, auth, board):
    client = kept_app(make_app).test_client()
    log_in(auth, client, "carl")
    client.get("/")  # kept
    response = client.post(f"/articles/{board}/predictions", data={
        "title": "A flash after posting", "criteria": "Resolves yes if it is flashed.",
        "probability": "40", "resolution_date": "2030-01-01", "source": "article"})
    assert response.status_code in (302, 303)
    shown = client.get(response.headers["Location"]).text
    assert 'class="flash' in shown and "A flash after posting" in shown
    again = client.get(response.headers["Location"]).text
    assert 'class="flash' not in again and "A flash after posting" in again


def test_no_kept_page_is_stale_after_a_write_on_another_server(make_app, auth, board):
    """A (writes) and B (keeps pages) share the database; a server without caches is the
    truth."""
    a, b, truth = make_app(), kept_app(make_app), make_app()
    readers = {}
    for name in ("alice", "bob", "carl"):
        readers[name] = (b.test_client(), truth.test_client())
        for client in readers[name]:
            log_in(auth, client, name)
    writers = {name: a.test_client() for name in ("carl", "bob", "ann")}
    for name, client in writers.items():
        auth.on(client).login(name)
    first = db.session.scalar(select(Prediction.id).order_by(Prediction.id))
    alices_comment = db.session.scalar(select(Comment.id).where(Comment.body == "Alice's comment."))

    def check():
        for name, (on_b, on_truth) in readers.items():
            for path in pages(board)[:5]:
                same_page(on_b.get(path).text, on_truth.get(path).text, (name, path))

    check()
    for client, url, data in [
        (writers["carl"], f"/predictions/{first}/vote", {"value": "1"}),
        (writers["bob"], f"/predictions/{first}/vote", {"value": "-1"}),
        (writers["carl"], f"/predictions/{first}/forecasts", {"probability": "33"}),
        # reports raise no version: the kept page stays, the member's parts follow them
        (writers["carl"], f"/report/prediction/{first}", {"reason": "spam", "text": ""}),
        (writers["bob"], f"/report/comment/{alices_comment}", {"reason": "spam", "text": ""}),
        (writers["ann"], f"/predictions/{first}/comments", {"body": "A note for the inbox."}),
        (writers["carl"], f"/articles/{board}/predictions",
         {"title": "A third row from another server", "criteria": "Resolves yes if seen.",
          "probability": "55", "resolution_date": "2031-01-01", "source": "board"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (url, response.status_code)
        check()
    # bob's own vote moved from up to down: his page says so, from the same kept page
    assert readers["bob"][0].get("/").text.count('aria-pressed="true"') == 1


def test_a_members_kept_page_runs_the_same_queries_however_many_rows(auth, app, client, board,
                                                                     count_queries):
    from forum.models import Article

    app.config["FRAGMENT_CACHE_SECONDS"] = 60
    log_in(auth, client, "alice")
    path = f"/articles/{board}/predictions"
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    article = db.session.scalar(select(Article).where(Article.slug == board))
    dora = make_user("dora")
    alice = db.session.scalar(select(User).where(User.username == "alice"))
    for index in range(12):
        make_forecast(make_prediction(article, dora, title=f"Row number {index} of many"),
                      alice, 0.5)
    client.get(path)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(few) == len(many) <= 8, (few, many)


def test_a_members_rows_are_read_again_only_when_the_page_changed(auth, app, client, board,
                                                                   count_queries):
    """Their votes and standing forecasts on a page's rows are kept under the page's
    versions: an unchanged page reads neither again, and their own vote is seen at once."""
    app.config["FRAGMENT_CACHE_SECONDS"] = 60
    log_in(auth, client, "carl")
    path = f"/articles/{board}/predictions"
    assert 'aria-pressed="true"' not in client.get(path).text
    with count_queries() as again:
        assert client.get(path).status_code == 200
    assert not [q for q in again if "FROM votes" in q or "FROM forecasts" in q], again
    first = db.session.scalar(select(Prediction.id).order_by(Prediction.id))
    assert client.post(f"/predictions/{first}/vote", data={"value": "1"}).status_code in (302, 303)
    with count_queries() as after:
        shown = client.get(path).text
    assert [q for q in after if "FROM votes" in q], after
    assert shown.count('aria-pressed="true"') == 1


def test_forms_on_a_kept_page_post_with_the_members_own_token(make_app, board):
    """With CSRF protection on, as in production: the token a filled page carries is the
    member's session's, so its vote and forecast forms are accepted, and another member's
    page, filled from the same kept page, carries another token."""
    app = make_app(FRAGMENT_CACHE_SECONDS=60, WTF_CSRF_ENABLED=True)
    first = db.session.scalar(select(Prediction.id).order_by(Prediction.id))
    tokens = {}
    for username in ("carl", "bob"):
        client = app.test_client()
        token = csrf_token(client.get("/login").text)
        assert client.post("/login", data={"username": username, "password": DEFAULT_PASSWORD,
                                           "csrf_token": token}).status_code in (302, 303)
        client.get("/leaderboard/rules")  # shows (and so drops) the welcome message
        client.get(f"/predictions/{first}")  # the kept page, if another member did not keep it
        page = client.get(f"/predictions/{first}").text
        (tokens[username],) = set(_FORM_TOKEN.findall(page))
        forecast = client.post(f"/predictions/{first}/forecasts",
                               data={"probability": "44", "csrf_token": tokens[username]})
        assert forecast.status_code in (302, 303), username
        board_page = client.get(f"/articles/{board}/predictions").text
        (token,) = set(_FORM_TOKEN.findall(board_page))
        vote = client.post(f"/predictions/{first}/vote",
                           data={"value": "-1", "csrf_token": token})
        assert vote.status_code in (302, 303), username
        refused = client.post(f"/predictions/{first}/vote", data={"value": "1"})
        assert refused.status_code == 400  # no token: refused, as everywhere
    assert tokens["carl"] != tokens["bob"]


def test_a_members_page_reads_nothing_again_while_the_database_is_unchanged(auth, app, client,
                                                                            board, count_queries):
    """What a member's request reads of their own (their login session, unread count,
    forecasts, votes, reports, their cards in the discussion) is kept while nothing commits
    (forum.cache_versions.while_unchanged): a second look at an unchanged page runs no
    statement at all. A commit anywhere reads it all again. (On PostgreSQL the tests'
    rolled-back connection is its own snapshot: the next test, with real commits, covers it.)"""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps answers only on committed data: see the next test")
    app.config["FRAGMENT_CACHE_SECONDS"] = 60
    log_in(auth, client, "alice")  # she forecast, commented, and has an unread reply
    for path in pages(board):
        client.get(path)
        with count_queries() as again:
            assert client.get(path).status_code == 200
        assert again == [], (path, again)
    prediction_page = pages(board)[3]
    make_user("dora")  # a commit: the next request reads again
    with count_queries() as after:
        client.get(prediction_page)
    assert any("login_sessions" in statement for statement in after), after


@pytest.mark.real_commits  # each server reads the file through its own connections
def test_what_a_member_reads_of_their_own_follows_a_write_on_another_server(make_app, auth,
                                                                            board):
    """Their login session, unread count, votes, reports and cards are kept while nothing
    commits: each follows a write made through another server at once, and a session ended
    elsewhere (a password change signs other devices out, a suspension every session) logs
    the kept server's browser out on its next request."""
    a, b, truth = make_app(), kept_app(make_app), make_app()
    on_b, on_truth = b.test_client(), truth.test_client()
    first = db.session.scalar(select(Prediction.id).order_by(Prediction.id))
    path = f"/predictions/{first}"
    alices = db.session.scalar(select(Comment.id).where(Comment.body == "Alice's comment."))
    anns = db.session.scalar(select(Comment.id).where(Comment.body == "Ann answers Alice."))
    alice_id = db.session.scalar(select(User.id).where(User.username == "alice"))

    def log_both_in(password: str = DEFAULT_PASSWORD) -> None:
        for client in (on_b, on_truth):
            auth.on(client).login("alice", password)
            client.get("/leaderboard/rules")  # shows (and so drops) the welcome message

    def check(step: str) -> str:
        shown = on_b.get(path).text
        with b.app_context(), counting_queries() as again:
            second = on_b.get(path).text  # from what the first look kept
        # A member's page (a visitor's is rendered). On PostgreSQL the other test workers'
        # databases move the server's snapshot at any moment: tests/test_cache_versions.py
        # checks what it keeps; here, that what it keeps is never stale.
        if "Log out" in shown and sqlite:
            assert again == [], (step, again)
        same_page(second, on_truth.get(path).text, step)
        return shown

    with b.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    log_both_in()
    check("before")
    writers = {name: a.test_client() for name in ("alice", "bob", "mod")}
    for name, client in writers.items():
        auth.on(client).login(name)
    for step, client, url, data in [
        ("a reply to her comment: one more unread", writers["bob"],
         f"/predictions/{first}/comments", {"body": "Bob replies.", "parent_id": str(alices)}),
        ("her vote on Ann's comment from another browser", writers["alice"],
         f"/comments/{anns}/vote", {"value": "1"}),
        ("her report on Ann's comment", writers["alice"], f"/report/comment/{anns}",
         {"reason": "spam", "text": ""}),
        ("her password changed in another browser", writers["alice"], "/settings", {
            "password-current_password": DEFAULT_PASSWORD, "password-submit": "1",
            "password-new_password": "another pass 42", "password-confirm": "another pass 42"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (step, response.status_code)
        assert "Log out" in check(step) or step.startswith("her password")
    assert "Log out" not in check("signed out") and "Log in" in check("signed out")
    log_both_in("another pass 42")
    assert "Log out" in check("back in")
    response = writers["mod"].post(f"/moderation/members/{alice_id}/suspend",
                                   data={"reason": "Cooling off."})
    assert response.status_code in (302, 303)
    assert "Log out" not in check("suspended: every session ends")


def test_a_kept_login_never_lets_another_session_key_in(auth, app, client, board):
    """The kept answer to "whose session is this" is keyed by the session's own key: with
    alice's real session kept, a cookie naming her id with any other key is a visitor's."""
    app.config["FRAGMENT_CACHE_SECONDS"] = 60
    log_in(auth, client, "alice")
    assert "Log out" in client.get("/").text  # her session is kept now
    alice_id = db.session.scalar(select(User.id).where(User.username == "alice"))
    forged = app.test_client()
    with forged.session_transaction() as session:
        session["_user_id"] = f"{alice_id}:not-her-session-key"
    shown = forged.get("/").text
    assert "Log out" not in shown and "Log in" in shown


def test_the_parts_printed_without_the_template_are_the_macros_that_only_print_them():
    """fill prints ATTRIBUTE_PARTS itself, as the viewer template's macros would: each such
    macro must still print that one attribute and nothing else."""
    from pathlib import Path

    from forum.member_pages import ATTRIBUTE_PARTS, VIEWER_TEMPLATE

    source = (Path(__file__).parents[1] / "templates" / VIEWER_TEMPLATE).read_text()
    for name, attribute in ATTRIBUTE_PARTS.items():
        assert f"{{% macro {name}(me) %}}{{{{ me.{attribute} }}}}{{% endmacro %}}" in source, name


def test_a_part_printed_without_the_template_is_escaped_as_the_template_would(app):
    """Were a part's attribute plain text one day, fill escapes it as `{{ value }}` does."""
    from types import SimpleNamespace

    from forum.member_pages import KeptPage, fill

    page = KeptPage.cut(["<p>", "</p>"], parts=(("chart", (SimpleNamespace(
        chart="<script>alert(1)</script>"),)),))
    with app.test_request_context("/"):
        shown = fill(page, ("key",))
    assert shown == b"<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_a_kept_page_holds_no_object_of_the_member_whose_request_rendered_it(make_app, auth,
                                                                             board):
    """Ann wrote the predictions; her request renders the pages kept for every member. They
    hold a copy of her row, never her own object (which carries her session key), and her
    object stays in her request's session."""
    from forum.member_pages import KeptPage

    app = kept_app(make_app)
    client = app.test_client()
    log_in(auth, client, "ann")
    for path in pages(board)[:4]:
        assert client.get(path).status_code == 200
    kept = [value for _stored, _weight, value in app.extensions["fragments"]._entries.values()
            if isinstance(value, KeptPage)]
    authors = [value.prediction.author for page in kept for _name, args in page.parts
               for value in args if getattr(value, "prediction", None) is not None]
    assert kept and authors and {author.username for author in authors} == {"ann"}
    assert all(author.session_key is None for author in authors)
    assert "Log out" in client.get(pages(board)[3]).text  # her next request is still hers
