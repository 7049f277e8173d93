"""An author may withdraw their prediction while nobody else has forecast on it; afterwards
it is gone from the board, its page, the API, the feed and the open data (issue 13 item 10)."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from forum import clock
from forum.board.services import add_forecast, withdraw_prediction
from forum.errors import Conflict, Forbidden, NotFound
from forum.extensions import db
from forum.lifecycle import withdrawable
from forum.models import Article, Prediction
from forum.permissions import can_withdraw
from tests.factories import make_comment, make_forecast, make_prediction, make_user
from tests.moderation_support import fast_passwords  # noqa: F401

TITLE = "Pyongyang opens a liaison office in Seoul in 2027"


@pytest.fixture
def board(app, article):
    alice, bob = make_user("alice"), make_user("bob")
    mod = make_user("mod", role="moderator")
    prediction = make_prediction(article, alice, title=TITLE)
    return {"alice": alice, "bob": bob, "mod": mod, "prediction": prediction,
            "article": article}


def page(client, path) -> str:
    return client.get(path).get_data(as_text=True)


@pytest.mark.real_commits  # the dataset download reads on a connection of its own
def test_the_author_confirms_and_the_prediction_is_gone_everywhere(auth, client, board):
    prediction = board["prediction"]
    make_comment(prediction, board["bob"], "Interesting; I'd put it lower.")
    client_bob = client.application.test_client()
    assert auth.on(client_bob).login("bob").status_code == 302
    client_bob.post(f"/predictions/{prediction.id}/vote", data={"value": "1"})
    assert auth.on(client).login("alice").status_code == 302
    shown = page(client, f"/predictions/{prediction.id}")
    assert f'href="/predictions/{prediction.id}/withdraw"' in shown
    confirm = client.get(f"/predictions/{prediction.id}/withdraw")
    assert confirm.status_code == 200
    body = confirm.get_data(as_text=True)
    assert TITLE in body and "Withdraw it</button>" in body and "can't undo" in body
    response = client.post(f"/predictions/{prediction.id}/withdraw")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/articles/test-article/predictions")
    assert "You withdrew" in page(client, response.headers["Location"])
    db.session.expire_all()
    assert db.session.get(Prediction, prediction.id).withdrawn_at is not None
    assert db.session.get(Article, board["article"].id).prediction_count == 0
    visitor = client.application.test_client()
    for viewer in (client, visitor, client_bob):
        assert viewer.get(f"/predictions/{prediction.id}").status_code == 404
        assert viewer.get(f"/api/v1/predictions/{prediction.id}").status_code == 404
        assert TITLE not in page(viewer, "/articles/test-article/predictions")
        assert TITLE not in page(viewer, "/articles/test-article")
        assert TITLE not in page(viewer, "/articles/test-article/predictions.atom")
        listing = viewer.get("/api/v1/articles/test-article/predictions").get_json()
        assert listing["total"] == 0
        assert viewer.get(f"/predictions/{prediction.id}/forecasts.csv").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(visitor.get("/articles/test-article/dataset.zip").data))
    rows = list(csv.DictReader(io.StringIO(archive.read("predictions.csv").decode())))
    assert rows == []
    forecasts = list(csv.DictReader(io.StringIO(archive.read("forecasts.csv").decode())))
    assert forecasts == []
    assert "withdrawn" not in page(client, "/leaderboard")  # nothing was scored


def test_moderators_see_it_marked_withdrawn_and_cannot_restore_it(auth, client, board):
    prediction = board["prediction"]
    withdraw_prediction(prediction, board["alice"])
    db.session.commit()
    assert auth.on(client).login("mod").status_code == 302
    shown = page(client, f"/predictions/{prediction.id}")
    assert "Withdrawn by its author" in shown
    assert "Restore this prediction" not in shown
    response = client.post(f"/moderation/prediction/{prediction.id}/restore",
                           data={"reason": "Looks fine"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Prediction, prediction.id).hidden is True


def test_once_someone_else_forecasts_it_stays(auth, client, board):
    prediction = board["prediction"]
    make_forecast(prediction, board["alice"], 0.6)  # the author's own update doesn't count
    assert withdrawable(db.session.get(Prediction, prediction.id))
    make_forecast(prediction, board["bob"], 0.2)
    assert auth.on(client).login("alice").status_code == 302
    assert 'withdraw"' not in page(client, f"/predictions/{prediction.id}")
    response = client.post(f"/predictions/{prediction.id}/withdraw")
    assert response.status_code == 409
    assert "Others have forecast on this prediction" in response.get_data(as_text=True)
    assert db.session.get(Prediction, prediction.id).withdrawn_at is None


def test_only_the_author_withdraws_and_only_while_open(auth, client, board):
    prediction = board["prediction"]
    assert auth.on(client).login("bob").status_code == 302
    assert client.get(f"/predictions/{prediction.id}/withdraw").status_code == 403
    assert client.post(f"/predictions/{prediction.id}/withdraw").status_code == 403
    prediction.resolution_date = clock.today() - timedelta(days=1)
    db.session.commit()
    author = client.application.test_client()
    assert auth.on(author).login("alice").status_code == 302
    assert author.post(f"/predictions/{prediction.id}/withdraw").status_code == 409
    visitor = client.application.test_client()
    response = visitor.post(f"/predictions/{prediction.id}/withdraw")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.get(Prediction, prediction.id).withdrawn_at is None


def test_a_forecast_that_lands_first_stops_the_withdrawal_in_the_update(board):
    """The page read forecaster_count = 1; another member's forecast committed before the
    UPDATE: the UPDATE's own WHERE refuses, and nothing changes."""
    prediction = board["prediction"]
    assert can_withdraw(board["alice"], prediction)
    db.session.execute(update(Prediction).where(Prediction.id == prediction.id)
                       .values(forecaster_count=2).execution_options(synchronize_session=False))
    assert prediction.forecaster_count == 1  # the stale copy the request holds
    with pytest.raises(Conflict):
        withdraw_prediction(prediction, board["alice"])
    db.session.rollback()
    assert db.session.get(Prediction, prediction.id).withdrawn_at is None


def test_a_forecast_arriving_after_the_withdrawal_is_refused(board):
    prediction = board["prediction"]
    withdraw_prediction(prediction, board["alice"])
    db.session.commit()
    # The forecasting request read the row before the withdrawal committed.
    set_committed_value(prediction, "hidden", False)
    with pytest.raises(NotFound):
        add_forecast(prediction, board["bob"], 0.4)


def test_the_rule(board):
    prediction, alice, bob = board["prediction"], board["alice"], board["bob"]
    assert can_withdraw(alice, prediction) and not can_withdraw(bob, prediction)
    with pytest.raises(Forbidden):
        withdraw_prediction(prediction, bob)
    alice.suspended = True
    assert not can_withdraw(alice, prediction)


def test_a_forecast_held_open_while_the_author_withdraws_wins_cleanly(auth, app, board,
                                                                       monkeypatch):
    """Bob's forecast has changed the row and not yet committed when Alice confirms: her
    withdrawal waits for the row, then finds someone else has forecast (409); his forecast
    stands. On the run's real database (SQLite file or PostgreSQL)."""
    import threading
    import time

    from forum.board import services as board_services
    from tests.moderation_support import bearer

    original = board_services.refresh_crowd
    holding = threading.Event()

    def slowly(*args, **kwargs):
        original(*args, **kwargs)
        holding.set()
        time.sleep(0.5)

    monkeypatch.setattr(board_services, "refresh_crowd", slowly)
    prediction_id = board["prediction"].id
    headers = bearer(board["bob"])
    author = app.test_client()
    assert auth.on(author).login("alice").status_code == 302
    results = {}

    def forecast():
        results["forecast"] = app.test_client().post(
            f"/api/v1/predictions/{prediction_id}/forecasts", json={"probability": 0.2},
            headers=headers).status_code

    thread = threading.Thread(target=forecast)
    thread.start()
    assert holding.wait(10)
    results["withdraw"] = author.post(f"/predictions/{prediction_id}/withdraw").status_code
    thread.join(timeout=30)
    assert results == {"forecast": 201, "withdraw": 409}
    db.session.rollback()
    row = db.session.get(Prediction, prediction_id)
    assert (row.hidden, row.withdrawn_at, row.forecaster_count) == (False, None, 2)
