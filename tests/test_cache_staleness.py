"""Issue 14: one invalidation scheme. For each kind of write, made through one server (an app
with its own caches), no page another server kept is stale afterwards: each cached page equals
what an app without caches renders. And the scheme is precise: a login changes no version,
and a vote on one prediction leaves the other predictions' pages and the leaderboard cached."""

from datetime import UTC, datetime

import pytest

from forum import clock
from forum.extensions import db
from tests.api_support import bearer
from tests.factories import (
    ARTICLE_TEXT,
    DEFAULT_PASSWORD,
    make_article,
    make_comment,
    make_forecast,
    make_prediction,
    make_user,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def servers(make_app, frozen):
    """The server that takes the write, one that keeps pages, and the truth (no cache)."""
    writer = make_app(PAGE_CACHE_SECONDS=3600)
    with writer.app_context():
        yield writer, make_app(PAGE_CACHE_SECONDS=3600), make_app(PAGE_CACHE_SECONDS=0)


class World:
    def __init__(self, writer_app):
        self.article = make_article()
        self.alice, self.bob = make_user("alice"), make_user("bob")
        self.mod = make_user("mod", role="moderator")
        self.admin = make_user("boss", role="admin")
        self.mine = make_prediction(self.article, self.alice, title="Kim will meet Trump in 2027")
        self.other = make_prediction(self.article, self.bob,
                                     title="Yongbyon will reopen to inspectors")
        make_forecast(self.mine, self.bob, 0.6)
        self.comment = make_comment(self.mine, self.bob, "The summit talk is cheap.")
        db.session.commit()
        self.writer_app = writer_app
        self.writer = writer_app.test_client()

    def paths(self) -> list[str]:
        slug = self.article.slug
        return ["/", f"/articles/{slug}", f"/articles/{slug}/predictions",
                f"/articles/{slug}/predictions?sort=new", f"/articles/{slug}/predictions.atom",
                f"/articles/{slug}/resolutions.atom", f"/predictions/{self.mine.id}",
                f"/predictions/{self.other.id}", "/leaderboard", "/leaderboard/rules",
                "/users/alice", "/users/bob", f"/api/v1/articles/{slug}/predictions",
                f"/api/v1/predictions/{self.mine.id}", f"/api/v1/predictions/{self.mine.id}/forecasts",
                f"/api/v1/predictions/{self.mine.id}/comments", "/api/v1/leaderboard",
                "/api/v1/users/bob", "/api/v1/articles"]

    def api(self, method: str, path: str, user, **body):
        response = self.writer.open(f"/api/v1{path}", method=method, json=body,
                                    headers=bearer(user))
        assert response.status_code < 300, response.get_data(as_text=True)

    def form(self, user, path: str, **data):
        client = self.writer_app.test_client()
        login = client.post("/login", data={"username": user.username,
                                            "password": DEFAULT_PASSWORD})
        assert login.status_code == 302
        response = client.post(path, data=data)
        assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:500]


def _forecast(w):
    w.api("POST", f"/predictions/{w.mine.id}/forecasts", w.bob, probability=0.8)


def _vote(w):
    w.api("PUT", f"/predictions/{w.mine.id}/vote", w.bob, value=1)


def _comment(w):
    w.api("POST", f"/predictions/{w.mine.id}/comments", w.alice, body="A reply from alice.")


def _reply(w):
    w.api("POST", f"/predictions/{w.mine.id}/comments", w.alice, body="Replying.",
          parent_id=w.comment.id)


def _comment_vote(w):
    w.api("PUT", f"/comments/{w.comment.id}/vote", w.alice, value=-1)


def _comment_edit(w):
    w.form(w.bob, f"/comments/{w.comment.id}/edit", body="On second thoughts, it matters.")


def _comment_delete(w):
    w.form(w.bob, f"/comments/{w.comment.id}/delete")


def _new_prediction(w):
    w.api("POST", f"/articles/{w.article.slug}/predictions", w.bob,
          title="Pyongyang will test a missile over Japan", probability=0.3,
          criteria="Resolves yes on a credible report.", resolution_date="2030-01-01")


def _edit_prediction(w):
    w.form(w.bob, f"/predictions/{w.other.id}/edit", title="Yongbyon will reopen to the IAEA",
           criteria="Resolves yes on an IAEA statement.",
           resolution_date=str(w.other.resolution_date))


def _withdraw(w):
    w.form(w.bob, f"/predictions/{w.other.id}/withdraw")


def _hide_prediction(w):
    w.form(w.mod, f"/moderation/prediction/{w.other.id}/hide", reason="Off topic.")


def _hide_comment(w):
    w.form(w.mod, f"/moderation/comment/{w.comment.id}/hide", reason="Rude.")


def _resolve(w):
    w.api("POST", f"/predictions/{w.mine.id}/resolution", w.mod, outcome="yes",
          note="Reuters reported the meeting.")


def _annul(w):
    w.api("POST", f"/predictions/{w.mine.id}/resolution", w.mod, outcome="annulled",
          note="The question was ill-posed.")


def _correct(w):
    _resolve(w)
    w.api("POST", f"/predictions/{w.mine.id}/resolution", w.mod, outcome="no",
          note="The meeting was called off.", correction=True)


def _suspend(w):
    w.form(w.mod, f"/moderation/members/{w.bob.id}/suspend", reason="Spam.")


def _role(w):
    w.form(w.admin, f"/moderation/members/{w.bob.id}/role", role="moderator",
           reason="Trusted.")


def _bio(w):
    w.form(w.bob, "/settings", **{"profile-bio": "Forecasting Korean politics.",
                                  "profile-submit": "1"})


def _delete_account(w):
    w.form(w.bob, "/settings/delete", **{"delete-password": DEFAULT_PASSWORD})


def _recompute(w):
    result = w.writer_app.test_cli_runner().invoke(args=["scores", "recompute"])
    assert result.exit_code == 0, result.output


def _article_import(w, tmp_path):
    path = tmp_path / "article.md"
    path.write_text(ARTICLE_TEXT.replace("A Test Article About the Future", "A Retitled Piece"),
                    encoding="utf-8")
    result = w.writer_app.test_cli_runner().invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 0, result.output


WRITES = [_forecast, _vote, _comment, _reply, _comment_vote, _comment_edit, _comment_delete,
          _new_prediction, _edit_prediction, _withdraw, _hide_prediction, _hide_comment,
          _resolve, _annul, _correct, _suspend, _role, _bio, _delete_account, _recompute]


def _warm(reader, paths) -> dict[str, str]:
    client = reader.test_client()
    states = {}
    for path in paths:
        client.get(path)
        response = client.get(path)
        states[path] = response.headers.get("X-Cache", "")
    return states


def _assert_fresh(reader, truth, paths) -> None:
    cached, fresh = reader.test_client(), truth.test_client()
    for path in paths:
        kept, expected = cached.get(path), fresh.get(path)
        assert kept.status_code == expected.status_code, path
        assert kept.get_data(as_text=True) == expected.get_data(as_text=True), path


@pytest.mark.parametrize("write", WRITES, ids=lambda write: write.__name__.strip("_"))
def test_no_cached_page_is_stale_after_a_write_on_another_server(servers, write):
    writer, reader, truth = servers
    world = World(writer)
    paths = world.paths()
    states = _warm(reader, paths)
    assert all(state == "hit" for state in states.values()), states  # the pages are kept
    write(world)
    _assert_fresh(reader, truth, paths)


def test_no_cached_page_is_stale_after_an_article_is_imported_again(servers, tmp_path):
    writer, reader, truth = servers
    world = World(writer)
    paths = world.paths()
    _warm(reader, paths)
    _article_import(world, tmp_path)
    _assert_fresh(reader, truth, paths)
    assert "A Retitled Piece" in reader.test_client().get("/").get_data(as_text=True)


def test_a_login_keeps_every_page_cached(servers):
    writer, reader, _truth = servers
    world = World(writer)
    paths = world.paths()
    _warm(reader, paths)
    client = writer.test_client()
    assert client.post("/login", data={"username": "bob", "password": DEFAULT_PASSWORD}) \
        .status_code == 302
    assert client.get("/settings").status_code == 200
    assert set(_warm(reader, paths).values()) == {"hit"}


def test_a_vote_keeps_the_other_predictions_and_the_leaderboard_cached(servers):
    writer, reader, _truth = servers
    world = World(writer)
    kept = [f"/predictions/{world.other.id}", "/leaderboard", "/leaderboard/rules",
            "/api/v1/leaderboard", f"/api/v1/predictions/{world.other.id}"]
    redone = [f"/predictions/{world.mine.id}", f"/articles/{world.article.slug}/predictions"]
    _warm(reader, kept + redone)
    _vote(world)
    client = reader.test_client()
    assert {path: client.get(path).headers.get("X-Cache") for path in kept} == \
        dict.fromkeys(kept, "hit")
    assert {path: client.get(path).headers.get("X-Cache") for path in redone} == \
        dict.fromkeys(redone, "miss")
