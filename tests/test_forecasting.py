"""Forecasting on someone's prediction: history kept, the crowd updated, closed means closed."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Forecast, Prediction
from tests.factories import make_forecast, make_prediction, make_user
from tests.test_posting import field_error, input_value


@pytest.fixture
def prediction(article):
    return make_prediction(article, make_user("alice"), probability=0.30)


@pytest.fixture
def bob(auth, client, prediction):
    user = make_user("bob")
    auth.login("bob")
    return user


def forecasts_of(user) -> list[float]:
    return list(db.session.scalars(select(Forecast.probability).where(Forecast.user_id == user.id)
                                   .order_by(Forecast.id)))


def test_member_forecasts_and_the_crowd_moves(client, prediction, bob):
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "70"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/predictions/{prediction.id}#forecast")
    db.session.expire_all()
    stored = db.session.get(Prediction, prediction.id)
    assert (stored.forecast_count, stored.forecaster_count) == (2, 2)
    assert stored.crowd_median == pytest.approx(0.5)
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert "Your forecast of 70 % is in." in page
    assert 'data-crowd-median>50 %<' in page and "2 forecasters" in page
    assert input_value(page, "probability") == "70"  # the form starts from your standing forecast


def test_updating_keeps_the_whole_history_and_only_the_latest_stands(client, prediction, bob):
    for value in ("70", "55", "61.5"):
        client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": value})
    assert forecasts_of(bob) == [pytest.approx(0.70), pytest.approx(0.55), pytest.approx(0.615)]
    db.session.expire_all()
    stored = db.session.get(Prediction, prediction.id)
    assert (stored.forecast_count, stored.forecaster_count) == (4, 2)
    assert stored.crowd_median == pytest.approx((0.30 + 0.615) / 2)
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    history = page.split('class="my-history"')[1].split("</ol>")[0]
    assert [part.split("</strong>")[0] for part in history.split("<strong>")[1:]] == \
        ["61.5 %", "55 %", "70 %"]
    assert "standing" in history
    assert "Every forecast <span class=\"count\">4</span>" in page
    assert "Update forecast" in page


def test_an_empty_number_box_is_refused_the_slider_alone_is_no_choice(client, prediction, bob):
    page = client.get(f"/predictions/{prediction.id}").text
    box = re.search(r'<input type="number"[^>]*name="probability"[^>]*>', page).group(0)
    assert 'value=""' in box and "required" in box
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": "", "probability_slider": "44"})
    assert response.status_code == 422
    assert "Choose your probability" in response.text
    assert forecasts_of(bob) == []


@pytest.mark.parametrize(("value", "message"), [
    ("", "Choose your probability: a number from 1 to 99 (%)."),
    ("seventy", "Give a number from 1 to 99 (%)."),
    ("NaN", "Give a number from 1 to 99 (%)."),
    ("0", "Probabilities run from 1 % to 99 %"),
    ("99.5", "Probabilities run from 1 % to 99 %"),
    ("100", "Probabilities run from 1 % to 99 %"),
    ("-1", "Probabilities run from 1 % to 99 %"),
    ("0.5", "Probabilities run from 1 % to 99 %"),
    ("5" * 400, "Give a number from 1 to 99 (%)."),
])
def test_a_bad_probability_is_422_beside_the_field_and_nothing_is_stored(
        client, prediction, bob, value, message):
    response = client.post(f"/predictions/{prediction.id}/forecasts",
                           data={"probability": value, "user_id": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, "probability")
    assert input_value(page, "probability") == value
    assert forecasts_of(bob) == []
    db.session.expire_all()
    assert db.session.get(Prediction, prediction.id).forecast_count == 1


def test_fields_a_client_may_not_set_are_ignored(client, prediction, bob):
    client.post(f"/predictions/{prediction.id}/forecasts",
                data={"probability": "40", "user_id": "1", "created_at": "2000-01-01",
                      "prediction_id": "999"})
    forecast = db.session.scalars(select(Forecast).where(Forecast.user_id == bob.id)).one()
    assert forecast.prediction_id == prediction.id
    assert forecast.created_at.year == clock.now().year


def test_forecasting_on_a_closed_prediction_is_409(client, prediction, bob, monkeypatch):
    after = datetime.combine(prediction.resolution_date + timedelta(days=1),
                             datetime.min.time(), tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: after)
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 409
    assert "closed to new forecasts" in response.get_data(as_text=True)
    assert forecasts_of(bob) == []
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert "Forecasts closed at the end of" in page
    assert f'action="/predictions/{prediction.id}/forecasts"' not in page


def test_forecasting_on_a_resolved_prediction_is_409(client, prediction, bob):
    prediction.status, prediction.outcome = "resolved", "yes"
    db.session.commit()
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 409
    assert forecasts_of(bob) == []


def test_anonymous_forecast_goes_to_login_and_stores_nothing(client, prediction):
    response = client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 303
    assert "/login?next=" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Forecast)) == 1


def test_forecasting_on_unknown_or_hidden_predictions_is_404(client, prediction, bob):
    assert client.post("/predictions/424242/forecasts", data={"probability": "40"}) \
        .status_code == 404
    prediction.hidden = True
    db.session.commit()
    assert client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"}) \
        .status_code == 404


def test_the_author_can_update_their_own_probability(auth, client, prediction):
    auth.login()
    client.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "45"})
    db.session.expire_all()
    stored = db.session.get(Prediction, prediction.id)
    assert stored.author_probability == pytest.approx(0.30)  # the first forecast, for ever
    assert stored.crowd_median == pytest.approx(0.45)
    assert (stored.forecast_count, stored.forecaster_count) == (2, 1)


def test_every_forecast_is_in_a_collapsed_paged_log_with_superseded_rows_marked(client,
                                                                                prediction, bob):
    carol = make_user("carol")
    for index in range(105):
        make_forecast(prediction, carol, 0.01 + (index % 90) / 100)

    def log(query=""):
        page = client.get(f"/predictions/{prediction.id}{query}").get_data(as_text=True)
        table = page.split('class="data-table forecast-table"')[1].split("</table>")[0]
        return page, table.split("<tbody>")[1].split("<tr")[1:]

    page, rows = log()
    assert len(rows) == 50 and "Page 1 of 3" in page
    assert '<details class="forecast-log">' in page  # collapsed until a page is asked for
    assert "is-standing" in rows[0] and "superseded" not in rows[0]  # carol's newest
    assert all("is-superseded" in row and ">superseded<" in row for row in rows[1:])
    page, rows = log("?forecasts_page=3")
    assert len(rows) == 6 and '<details class="forecast-log" open>' in page
    assert "is-standing" in rows[-1] and "alice" in rows[-1]  # the author's only forecast
    assert "Page 3 of 3" in log("?forecasts_page=9")[0]  # past the end: the last page
    assert client.get(f"/predictions/{prediction.id}?forecasts_page=x").status_code == 422
