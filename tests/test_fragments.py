"""Members' prediction pages are assembled from shared fragments (forum/fragments.py): the
discussion, the reasons, the spread and the forecast log rendered once per data version and
role class, with each member's own cards and CSRF token spliced in. What a member gets must be
byte for byte what a full render gives them, and never stale after a write on another server.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock, fragments
from forum.extensions import db
from forum.models import Comment
from tests.factories import make_article, make_comment, make_forecast, make_prediction, make_user

_TOKEN = re.compile(r'(name="csrf_token" value="|name="csrf-token" content=")([^"]+)"')


def tokens_of(page: str) -> set[str]:
    return {match.group(2) for match in _TOKEN.finditer(page)}


def same_page(shared: str, fresh: str, who: str | None = None) -> None:
    """Equal but for the CSRF token (each session has its own); the assembled page carries
    one token throughout, its own session's, and never the shared sentinel."""
    assert fragments.CSRF_SENTINEL not in shared
    assert len(tokens_of(shared)) <= 1, "one page, one token"
    assert _TOKEN.sub(r"\1T\"", shared) == _TOKEN.sub(r"\1T\"", fresh), who


@pytest.fixture
def frozen(monkeypatch):
    """One instant for the whole test: relative times and the chart's axis stay put between
    the two renders compared."""
    now = clock.now()
    monkeypatch.setattr(clock, "now", lambda: now)
    return now


@pytest.fixture
def discussion(app, frozen):
    """A prediction with a thread where each member has something of their own: alice wrote
    comments (one hidden by a moderator, one deleted) and forecast; bob voted on comments and
    reported one; sam, suspended, wrote one; mod is a moderator."""
    from forum.board.services import vote_on_comment
    from forum.moderation.flags import create_flag
    from forum.moderation.services import set_hidden

    article = make_article()
    ann, alice, bob = make_user("ann"), make_user("alice"), make_user("bob")
    mod = make_user("mod", role="moderator")
    sam = make_user("sam")
    prediction = make_prediction(article, ann, title="Fragments stay faithful")
    make_forecast(prediction, alice, 0.6)
    make_forecast(prediction, bob, 0.3)
    first = make_comment(prediction, ann, "The first word.")
    reply = make_comment(prediction, alice, "Alice answers.", parent=first)
    make_comment(prediction, bob, "Bob chimes in.", parent=reply)
    hidden = make_comment(prediction, alice, "Something a moderator hides.")
    gone = make_comment(prediction, alice, "Soon deleted.")
    make_comment(prediction, sam, "Sam's comment, before the suspension.")
    vote_on_comment(bob, first, -1)
    vote_on_comment(bob, reply, 1)
    create_flag(bob, "comment", first.id, "spam", "")
    set_hidden("comment", hidden.id, mod, "Off topic.", hidden=True)
    gone.deleted = True
    sam.suspended = True
    db.session.commit()
    return prediction.id


def clients(make_app, auth, username: str | None):
    """A client of an app with fragments and one of an app without, both logged in as
    `username` (None: anonymous)."""
    shared = make_app(FRAGMENT_CACHE_SECONDS=60).test_client()
    fresh = make_app().test_client()
    if username:
        for client in (shared, fresh):
            log_in(auth, client, username)
    return shared, fresh


def log_in(auth, client, username: str) -> None:
    auth.on(client).login(username)
    client.get("/leaderboard/rules")  # shows (and so drops) the welcome message


@pytest.mark.parametrize("username", [None, "alice", "bob", "ann", "sam", "mod"])
@pytest.mark.parametrize("query", ["", "?comments=all", "?forecasts_page=1"])
def test_an_assembled_page_equals_a_full_render(make_app, auth, discussion, username, query):
    shared, fresh = clients(make_app, auth, username)
    path = f"/predictions/{discussion}{query}"
    cold = shared.get(path).text  # renders and keeps the fragments
    warm = shared.get(path).text  # assembles from them
    full = fresh.get(path).text
    assert "Alice answers." in full
    same_page(cold, full)
    same_page(warm, full)


def test_each_member_gets_their_own_parts_from_one_shared_thread(make_app, auth, discussion):
    app = make_app(FRAGMENT_CACHE_SECONDS=60)
    members = {username: app.test_client() for username in ("alice", "bob")}
    for username, client in members.items():
        log_in(auth, client, username)
    pages = {username: client.get(f"/predictions/{discussion}").text
             for username, client in members.items()}
    store = app.extensions["fragments"]
    assert sum(1 for key in store._entries if key[0] == "comments/_thread.html") == 1
    # alice may edit her own comment; bob may not, and sees his vote and his report
    alices = db.session.scalar(select(Comment.id).where(Comment.body == "Alice answers."))
    assert f'id="edit-{alices}"' in pages["alice"]
    assert f'id="edit-{alices}"' not in pages["bob"]
    assert 'aria-pressed="true"' in pages["bob"] and "Reported" in pages["bob"]
    assert "A moderator hid your comment" in pages["alice"]
    assert "A moderator hid your comment" not in pages["bob"]


def test_a_reply_form_or_a_form_error_is_rendered_in_full(make_app, auth, discussion):
    shared, fresh = clients(make_app, auth, "bob")
    first = db.session.scalar(select(Comment).order_by(Comment.id))
    path = f"/predictions/{discussion}?reply_to={first.id}"
    same_page(shared.get(path).text, fresh.get(path).text)
    refused = shared.post(f"/predictions/{discussion}/comments", data={"body": ""})
    assert refused.status_code == 422
    assert fragments.CSRF_SENTINEL not in refused.text


# Never stale, with two workers --------------------------------------------------------------

def _ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', page)]


@pytest.fixture
def workers(make_app, auth, discussion):
    """Two servers with every cache on (A takes the writes, B serves readers), and one with
    none, whose render is the truth."""
    a = make_app(FRAGMENT_CACHE_SECONDS=60, PAGE_CACHE_SECONDS=60)
    b = make_app(FRAGMENT_CACHE_SECONDS=60, PAGE_CACHE_SECONDS=60)
    truth = make_app()
    readers = {}
    for name in ("bob", "alice", None):
        on_b, on_truth = b.test_client(), truth.test_client()
        if name:
            log_in(auth, on_b, name)
            log_in(auth, on_truth, name)
        readers[name] = (on_b, on_truth)
    writers = {}
    for name in ("alice", "bob", "mod"):
        writers[name] = a.test_client()
        auth.on(writers[name]).login(name)
    return discussion, readers, writers


def check_current(path: str, readers: dict) -> None:
    for name, (on_b, on_truth) in readers.items():
        served, truth = on_b.get(path).text, on_truth.get(path).text
        same_page(served, truth, name)


def test_no_page_or_fragment_is_stale_after_any_write_on_another_server(workers):
    prediction_id, readers, writers = workers
    path = f"/predictions/{prediction_id}"
    check_current(path, readers)  # warms B's fragments and B's anonymous page
    check_current(path, readers)
    alice, bob, mod = writers["alice"], writers["bob"], writers["mod"]
    page = readers[None][1].get(path).text
    first = _ids(page)[0]

    def write(client, url, **data):
        response = client.post(url, data=data)
        assert response.status_code in (302, 303), (url, response.status_code)
        check_current(path, readers)

    write(alice, f"{path}/comments", body="A new top-level comment.")
    write(bob, f"{path}/comments", body="A reply to the first.", parent_id=str(first))
    newest = max(_ids(readers[None][1].get(path).text))
    write(bob, f"/comments/{newest}/edit", body="An edited reply.")
    write(alice, f"/comments/{first}/vote", value="1")
    write(bob, f"{path}/vote", value="1")
    write(bob, f"{path}/forecasts", probability="72", reason="New evidence.")
    write(mod, f"/moderation/comment/{newest}/hide", reason="Off topic.")
    write(mod, f"/moderation/comment/{newest}/restore", reason="On reflection, fine.")
    write(bob, f"/comments/{newest}/delete")
    assert "An edited reply." not in readers["alice"][0].get(path).text


# The same number of queries however long the discussion ----------------------------------------

def _member_queries(client, count_queries, path) -> tuple[int, int]:
    """(statements of a first request, of a second one once the member's kept answers are
    gone, as after any write anywhere: the member's own reads on a kept page)."""
    from forum import cache_versions

    with count_queries() as cold:
        assert client.get(path).status_code == 200
    cache_versions.forget_kept()
    with count_queries() as warm:
        assert client.get(path).status_code == 200
    return len(cold), len(warm)


@pytest.mark.real_commits  # empties the tables between the two sizes
def test_a_members_page_runs_the_same_queries_at_two_data_sizes(auth, app, client,
                                                                count_queries):
    from forum.board.services import vote_on_comment
    from tests.fixtures.database import empty_database

    app.config["FRAGMENT_CACHE_SECONDS"] = 60
    measured = []
    for size in (4, 40):
        db.session.remove()
        empty_database()
        for name in list(app.extensions):
            if name == "fragments":
                app.extensions.pop(name)
        article = make_article()
        users = [make_user(f"user{index}") for index in range(4)]
        prediction = make_prediction(article, users[1], title="A discussion that grows",
                                     created_at=clock.now() - timedelta(days=3))
        for index in range(size):
            make_forecast(prediction, users[index % 4], 0.1 + (index % 80) / 100)
            comment = make_comment(prediction, users[index % 4], f"Comment {index}")
            vote_on_comment(users[(index + 1) % 4], comment, 1)
            db.session.commit()
        auth.login(users[0].username)  # wrote a quarter of the comments, voted on another
        measured.append(_member_queries(client, count_queries, f"/predictions/{prediction.id}"))
        auth.logout()
    small, large = measured
    assert small == large, f"queries grew with the discussion: {small} vs {large}"


def test_own_cards_are_placed_when_their_times_moved_on_since_the_thread_was_kept(
        make_app, auth, discussion, monkeypatch, frozen):
    app = make_app(FRAGMENT_CACHE_SECONDS=60)
    members = {username: app.test_client() for username in ("alice", "bob")}
    for username, client in members.items():
        log_in(auth, client, username)
    members["bob"].get(f"/predictions/{discussion}")  # keeps the thread: "just now" throughout
    monkeypatch.setattr(clock, "now", lambda: frozen + timedelta(minutes=2))
    page = members["alice"].get(f"/predictions/{discussion}").text
    alices = db.session.scalar(select(Comment.id).where(Comment.body == "Alice answers."))
    assert f'id="edit-{alices}"' in page  # her card, rendered now ("2 minutes ago"), is in
    assert fragments.CSRF_SENTINEL not in page
    assert "2 minutes ago" in page and "just now" in page


def test_two_predictions_whose_versions_are_equal_keep_their_own_chart_tables(
        app, make_app, auth, frozen):
    """A prediction's version is a counter of its own, so two predictions often have the same
    one: a fragment kept under the versions alone showed one's data table on the other."""
    article = make_article()
    ann = make_user("ann")
    make_user("bob")
    first = make_prediction(article, ann, title="The first one", probability=0.2)
    second = make_prediction(article, ann, title="The second one", probability=0.9)
    db.session.commit()
    client = make_app(FRAGMENT_CACHE_SECONDS=60).test_client()
    log_in(auth, client, "bob")
    for prediction, figure in ((first, "20 %"), (second, "90 %"), (first, "20 %")):
        page = client.get(f"/predictions/{prediction.id}").text
        table = page[page.index('<table class="data-table">'):]
        table = table[:table.index("</table>")]
        assert f"<td>{figure}</td>" in table, (prediction.title, table)
