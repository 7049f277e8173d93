"""The moderation queue: what waits for a moderator, in what order, and clearing it without
leaving it. Also the resolve form on its own page."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

import forum.clock
from forum import clock
from forum.extensions import db
from forum.models import Prediction, Resolution, Score
from forum.moderation.flags import create_flag
from forum.scoring import scheduled_close
from tests.factories import make_comment, make_prediction, make_user
from tests.moderation_support import (
    NOTE,
    closed_prediction,
    count,
    fast_passwords,  # noqa: F401
    resolve,
    snapshot,
)


@pytest.fixture
def cast(app):
    return {"alice": make_user("alice"), "bob": make_user("bob"),
            "mod": make_user("mod", role="moderator")}


def queue_page(client) -> str:
    response = client.get("/moderation")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def awaiting_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'id="awaiting-(\d+)"', page)]


def test_closed_predictions_wait_oldest_first_with_how_long(auth, client, article, cast):
    newer = closed_prediction(article, cast["alice"], closed_days=2, title="Closed two days ago")
    older = closed_prediction(article, cast["alice"], closed_days=9, title="Closed nine days ago")
    make_prediction(article, cast["alice"], title="Still open and far from its date")
    done = closed_prediction(article, cast["alice"], closed_days=5, title="Already resolved one")
    resolve(done, cast["mod"], "no")
    auth.login("mod")
    page = queue_page(client)
    assert awaiting_ids(page) == [older.id, newer.id]
    assert "waiting 1 week" in page and "waiting 1 day" in page
    assert "Still open and far" not in page and "Already resolved one" not in page


def test_a_prediction_joins_the_queue_the_instant_its_date_ends(auth, client, article, cast,
                                                                 monkeypatch):
    prediction = make_prediction(article, cast["alice"], days_ahead=3)
    close = scheduled_close(prediction.resolution_date)
    auth.login("mod")
    monkeypatch.setattr(forum.clock, "now", lambda: close - timedelta(microseconds=1))
    assert awaiting_ids(queue_page(client)) == []
    monkeypatch.setattr(forum.clock, "now", lambda: close)
    assert awaiting_ids(queue_page(client)) == [prediction.id]


def test_resolving_from_the_queue_returns_to_the_queue(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"], forecasts=[(cast["bob"], 0.6, 10)])
    auth.login("mod")
    page = queue_page(client)
    action = f"/predictions/{prediction.id}/resolve"
    form = re.search(rf'<form method="post" action="({action})"[^>]*>(.*?)</form>', page,
                     re.DOTALL)
    assert form is not None
    next_value = re.search(r'name="next" value="([^"]+)"', form.group(2)).group(1)
    response = client.post(form.group(1), data={"outcome": "yes", "note": NOTE,
                                                 "next": next_value})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation#awaiting")
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resolved YES" in after  # the flash says what happened
    assert awaiting_ids(after) == []
    assert count(Score) == 2


def test_resolve_form_errors_show_beside_the_fields_and_keep_what_was_typed(auth, client, article,
                                                                            cast):
    prediction = closed_prediction(article, cast["alice"])
    auth.login("mod")
    before = snapshot(prediction.id)
    response = client.post(f"/predictions/{prediction.id}/resolve",
                           data={"outcome": "yes", "note": "", "source_url": "ftp://x/y",
                                 "outcome_time": "soon", "next": "/moderation#awaiting"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("resolve-note-error", "resolve-source-error", "resolve-time-error"):
        assert f'id="{field}"' in page
    assert 'value="ftp://x/y"' in page and 'value="soon"' in page
    assert 'value="yes" required checked' in page
    assert 'name="next" value="/moderation#awaiting"' in page
    assert snapshot(prediction.id) == before


def test_resolve_form_outcome_time_accepts_the_browsers_datetime_local(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"], created_days=30)
    moment = (clock.now() - timedelta(days=10)).replace(microsecond=0)
    auth.login("mod")
    client.post(f"/predictions/{prediction.id}/resolve",
                data={"outcome": "no", "note": NOTE,
                      "outcome_time": moment.strftime("%Y-%m-%dT%H:%M:%S")})
    db.session.expire_all()
    assert db.session.get(Prediction, prediction.id).outcome_time == moment


def test_resolving_twice_from_two_tabs_is_a_conflict_page(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"])
    auth.login("mod")
    client.post(f"/predictions/{prediction.id}/resolve", data={"outcome": "yes", "note": NOTE})
    second = client.post(f"/predictions/{prediction.id}/resolve",
                         data={"outcome": "no", "note": NOTE})
    assert second.status_code == 409
    assert "already resolved" in second.get_data(as_text=True)
    assert count(Resolution) == 1


def test_correction_form_on_its_own_page(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"])
    resolve(prediction, cast["mod"], "yes")
    auth.login("mod")
    page = client.get(f"/predictions/{prediction.id}/resolve").get_data(as_text=True)
    assert "Correct the resolution" in page and 'name="correction" value="1"' in page
    response = client.post(f"/predictions/{prediction.id}/resolve",
                           data={"outcome": "annulled", "note": "Criteria were ambiguous.",
                                 "correction": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Prediction, prediction.id).status == "annulled"


def test_reports_and_disputes_are_listed_apart_with_their_reasons(auth, client, article, cast):
    carol = make_user("carol")
    prediction = closed_prediction(article, cast["alice"], title="A prediction to dispute")
    resolution = resolve(prediction, cast["mod"], "yes")
    comment = make_comment(make_prediction(article, cast["alice"]), cast["bob"],
                           "Visit my shop for great deals")
    create_flag(carol, "comment", comment.id, "spam")
    create_flag(cast["alice"], "comment", comment.id, "other", "Advertising again")
    create_flag(carol, "resolution", resolution.id, "wrong_resolution", "The source retracted it")
    db.session.commit()
    auth.login("mod")
    page = queue_page(client)
    reports = page[page.index('id="reports"'):page.index('id="disputes"')]
    disputes = page[page.index('id="disputes"'):]
    assert "Visit my shop" in reports and "2 reports" in reports
    assert "Advertising again" in reports and "Spam or advertising" in reports
    assert "The source retracted it" in disputes and "A prediction to dispute" in disputes
    assert "Correct the resolution" in disputes


def test_the_queue_is_empty_with_a_clear_message(auth, client, cast):
    auth.login("mod")
    page = queue_page(client)
    assert "Nothing is waiting" in page and "No open reports" in page
    assert "No disputed resolutions" in page


def test_the_queue_pages_awaiting_predictions(auth, client, article, cast):
    for number in range(23):
        closed_prediction(article, cast["alice"], closed_days=30 - number,
                          title=f"Closed prediction number {number:02d}")
    auth.login("mod")
    first = queue_page(client)
    assert len(awaiting_ids(first)) == 20
    second = client.get("/moderation?page=2").get_data(as_text=True)
    assert len(awaiting_ids(second)) == 3
    assert client.get("/moderation?page=0").status_code == 422


def test_the_queue_costs_the_same_queries_however_long_it_is(auth, client, article, cast,
                                                             count_queries):
    carol = make_user("carol")
    auth.login("mod")

    def add_work(number):
        prediction = closed_prediction(article, cast["alice"], title=f"Waiting claim {number:03d}")
        resolution = resolve(closed_prediction(article, cast["alice"],
                                               title=f"Resolved claim {number:03d}"),
                             cast["mod"], "yes")
        comment = make_comment(prediction, cast["bob"], f"Comment {number}")
        create_flag(carol, "comment", comment.id, "spam")
        create_flag(carol, "prediction", prediction.id, "unclear_criteria")
        create_flag(carol, "resolution", resolution.id, "wrong_resolution")
        db.session.commit()

    add_work(0)
    queue_page(client)
    with count_queries() as few:
        queue_page(client)
    for number in range(1, 8):
        add_work(number)
    with count_queries() as many:
        queue_page(client)
    assert len(many) == len(few)


def test_moderator_reads_hidden_predictions_in_the_queue(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"])
    prediction.hidden = True
    db.session.commit()
    auth.login("mod")
    page = queue_page(client)
    assert awaiting_ids(page) == [prediction.id] and "hidden" in page


def test_the_resolve_page_for_an_unknown_prediction_is_404(auth, client, cast):
    auth.login("mod")
    assert client.get("/predictions/99999/resolve").status_code == 404
    assert client.post("/predictions/99999/resolve",
                       data={"outcome": "yes", "note": NOTE}).status_code == 404


def test_only_moderators_see_the_queue_link(auth, client, cast):
    auth.login()
    assert 'href="/moderation"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    auth.login("mod")
    assert 'href="/moderation"' in client.get("/").get_data(as_text=True)


def test_resolving_via_the_page_changes_nothing_for_a_member(auth, client, article, cast):
    prediction = closed_prediction(article, cast["alice"])
    auth.login("bob")
    before = snapshot(prediction.id)
    response = client.post(f"/predictions/{prediction.id}/resolve",
                           data={"outcome": "yes", "note": NOTE})
    assert response.status_code == 403
    assert snapshot(prediction.id) == before
    assert db.session.scalars(select(Resolution)).all() == []
