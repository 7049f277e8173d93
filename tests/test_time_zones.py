"""Members choose the time zone every date and time is shown in (UTC by default, always named);
anonymous readers see UTC, and no cached page carries one member's zone to anyone else."""

import re
from datetime import UTC, datetime

import pytest

from forum.extensions import db
from forum.models import User
from forum.timezones import canonical_zone, zone_problem
from tests.factories import make_article, make_forecast, make_prediction, make_user

# 23:30 UTC on 15 Jan is 00:30 on 16 Jan in Paris (UTC+1 in winter) and 18:30 on 15 Jan in
# New York (UTC-5): the day itself changes with the zone.
POSTED = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)


@pytest.fixture
def prediction(app):
    article = make_article()
    author = make_user("alice")
    make_user("bob")
    prediction = make_prediction(article, author, created_at=POSTED)
    return prediction


def stored_zone(username: str) -> str:
    db.session.expire_all()
    return db.session.query(User).filter_by(username=username).one().time_zone


def set_zone(client, value):
    return client.post("/settings/time-zone", data={"zone-time_zone": value})


def test_a_new_member_reads_in_utc_and_the_zone_is_named(client, auth, prediction):
    auth.login("bob")
    settings = client.get("/settings").get_data(as_text=True)
    assert 'value="UTC"' in settings
    assert "Times are shown in <strong>UTC</strong>" in settings
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert 'title="2026-01-15 23:30 UTC"' in page
    assert stored_zone("bob") == "UTC"


def test_a_member_who_chooses_a_zone_sees_every_time_converted_and_named(client, auth,
                                                                        prediction):
    auth.login("bob")
    response = set_zone(client, "  europe/PARIS ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings#time-zone")
    assert stored_zone("bob") == "Europe/Paris"  # stored in the IANA spelling
    settings = client.get("/settings").get_data(as_text=True)
    assert "Dates and times are now shown in Europe/Paris." in settings
    assert 'value="Europe/Paris"' in settings

    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    # The posting time, its tooltip and the chart's data table, all an hour ahead of UTC.
    assert 'title="2026-01-16 00:30 Europe/Paris"' in page
    assert ">2026-01-16 00:30 Europe/Paris</time>" in page
    assert "23:30 UTC" not in page
    profile = client.get("/users/alice").get_data(as_text=True)
    assert ">16 Jan 2026</time>" in profile  # the day it was posted, in Paris

    set_zone(client, "America/New_York")
    profile = client.get("/users/alice").get_data(as_text=True)
    assert ">15 Jan 2026</time>" in profile
    assert 'title="2026-01-15 18:30 America/New_York"' in profile


def test_a_resolution_date_says_when_forecasts_close_in_the_members_zone(client, auth,
                                                                       prediction):
    auth.login("bob")
    set_zone(client, "Asia/Tokyo")  # UTC+9 all year
    day = prediction.resolution_date
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    closes = re.search(rf'<time datetime="{day.isoformat()}" title="Forecasts close '
                       r'(\d{4}-\d\d-\d\d) 09:00 Asia/Tokyo \(the end of ([\d-]+) UTC\)"', page)
    assert closes, "the resolution date's tooltip names the closing time in Tokyo"
    assert closes.group(2) == day.isoformat()


@pytest.mark.parametrize("value, message", [
    ("Mars/Olympus_Mons", "“Mars/Olympus_Mons” is not a time zone we know."),
    ("", "Choose a time zone, such as UTC or Europe/Paris."),
    ("   ", "Choose a time zone, such as UTC or Europe/Paris."),
    ("../../etc/passwd", "is not a time zone we know."),
    ("Europe/" + "x" * 300, "is not a time zone we know."),
    ("UTC+2", "is not a time zone we know."),
    ("Europe/Paris\x00", "is not a time zone we know."),
])
def test_an_unknown_time_zone_is_refused_with_a_clear_message(client, auth, prediction, value,
                                                              message):
    auth.login("bob")
    set_zone(client, "Europe/Paris")
    response = set_zone(client, value)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Use an IANA name like Europe/Paris" in page or not value.strip()
    assert 'aria-invalid="true"' in page
    assert stored_zone("bob") == "Europe/Paris"  # unchanged


def test_a_missing_field_is_refused_too(client, auth, prediction):
    auth.login("bob")
    response = client.post("/settings/time-zone", data={})
    assert response.status_code == 422
    assert stored_zone("bob") == "UTC"


def test_anonymous_readers_see_utc(client, auth, prediction):
    auth.login("bob")
    set_zone(client, "Europe/Paris")
    auth.logout()
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert 'title="2026-01-15 23:30 UTC"' in page
    assert "Europe/Paris" not in page


def test_a_suspended_member_cannot_change_the_zone(client, auth, app):
    make_user("carol", suspended=True)
    auth.login("carol")
    response = set_zone(client, "Europe/Paris")
    assert response.status_code == 403
    assert stored_zone("carol") == "UTC"


def test_no_cached_page_carries_a_members_zone_to_anyone_else(auth, make_app):
    app = make_app(PAGE_CACHE_SECONDS=60)
    with app.app_context():
        article = make_article()
        author = make_user("alice")
        make_user("bob")
        prediction = make_prediction(article, author, created_at=POSTED)
        make_forecast(prediction, make_user("dave"), 0.6,
                      created_at=datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
        path = f"/predictions/{prediction.id}"
        paris, utc_member, anonymous = (app.test_client() for _ in range(3))
        auth.on(paris).login("alice")
        set_zone(paris, "Europe/Paris")
        auth.on(utc_member).login("bob")

        # Paris first: its page (and the chart's table, kept per worker) holds Paris times.
        first = paris.get(path)
        assert "X-Cache" not in first.headers  # members never use the page cache
        assert ">2026-02-01 13:00 Europe/Paris</time>" in first.get_data(as_text=True)
        for reader in (anonymous, anonymous, utc_member):
            page = reader.get(path).get_data(as_text=True)
            assert "Europe/Paris" not in page
            assert ">2026-02-01 12:00 UTC</time>" in page
        assert anonymous.get(path).headers["X-Cache"] == "hit"
        # And the other way round: the cached anonymous page never reaches the member.
        again = paris.get(path).get_data(as_text=True)
        assert ">2026-02-01 13:00 Europe/Paris</time>" in again
        assert "12:00 UTC" not in again


def test_the_zone_rule_reads_iana_names_in_any_case():
    assert canonical_zone("utc") == "UTC"
    assert canonical_zone("america/argentina/buenos_aires") == "America/Argentina/Buenos_Aires"
    assert canonical_zone("Nowhere/Else") is None
    assert canonical_zone(None) is None
    assert zone_problem("Pacific/Auckland") is None
    assert zone_problem(42) == "Choose a time zone, such as UTC or Europe/Paris."


def test_the_data_export_includes_the_zone(app):
    from forum.auth.export import collect

    user = make_user("erin")
    user.time_zone = "Europe/Berlin"
    db.session.commit()
    assert collect(user)["account"]["time_zone"] == "Europe/Berlin"


def test_a_reminder_email_gives_the_closing_time_in_the_recipients_zone(make_app):
    from tests.mail_support import composed

    app = make_app()
    with app.app_context():
        author = make_user("alice")
        bob = make_user("bob", time_zone="Asia/Kolkata")  # UTC+05:30 all year
        prediction = make_prediction(make_article(), author, days_ahead=1,
                                     created_at=datetime(2026, 1, 1, tzinfo=UTC))
        make_forecast(prediction, bob, 0.6, created_at=datetime(2026, 1, 2, tzinfo=UTC))
        assert app.test_cli_runner().invoke(args=["reminders", "send"]).exit_code == 0
        bodies = [composed("closing_reminder", index).get_content()
                  for index in range(2)]
        closes = prediction.resolution_date.isoformat()
        to_bob = next(body for body in bodies if "60 %" in body)
        assert re.search(r"\(\d{4}-\d\d-\d\d 05:30 Asia/Kolkata\)", to_bob), to_bob
        to_alice = next(body for body in bodies if "35 %" in body)
        assert "00:00 UTC)" in to_alice and closes not in to_alice  # the day after, in UTC
