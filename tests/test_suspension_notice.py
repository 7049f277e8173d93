"""A suspended member is told, everywhere, why and until when; a suspension with an end lifts
itself then; members hear of suspensions, reinstatements and hidden posts with the reason;
their forms are disabled saying why (issue 13 item 13)."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.auth.suspension import lock_write_forms
from forum.extensions import db
from forum.models import AuditEntry, EmailDelivery, Notification, User
from tests.factories import make_comment, make_prediction, make_user
from tests.mail_support import composed, run_jobs, text_of
from tests.moderation_support import fast_passwords  # noqa: F401

REASON = "Posting the same link in every thread"


@pytest.fixture
def team(app, article):
    alice, bob = make_user("alice"), make_user("bob")
    mod = make_user("mod", role="moderator")
    prediction = make_prediction(article, bob, title="Kim visits Moscow again before 2028")
    return {"alice": alice, "bob": bob, "mod": mod, "prediction": prediction}


def in_days(days: int) -> str:
    return (clock.today() + timedelta(days=days)).isoformat()


def suspend(auth, app, user, until="", reason=REASON, action="suspend"):
    moderator = app.test_client()
    assert auth.on(moderator).login("mod").status_code == 302
    return moderator.post(f"/moderation/members/{user.id}/{action}",
                          data={"reason": reason, "until": until})


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def later(monkeypatch, days: float):
    moved = clock.now() + timedelta(days=days)
    monkeypatch.setattr(clock, "now", lambda: moved)


def test_a_suspension_with_an_end_is_shown_with_reason_and_date_on_every_page(auth, app, team):
    assert suspend(auth, app, team["alice"], until=in_days(7)).status_code == 302
    end = datetime.combine(clock.today() + timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    assert fresh(team["alice"]).suspended_until == end
    member = app.test_client()
    login_page = member.post("/login", data={"username": "alice",
                                             "password": "correct horse battery"},
                             follow_redirects=True)
    assert "Your account is suspended" in text(login_page)
    day = f"{end.day} {end:%b %Y}, 00:00 UTC"
    for path in ("/", "/articles/test-article/predictions", f"/predictions/{team['prediction'].id}",
                 "/leaderboard", "/settings", "/notifications", "/users/alice"):
        page = text(member.get(path))
        notice = re.search(r'<p class="banner[^"]*" role="note" id="suspension-notice">(.*?)</p>',
                           page, re.DOTALL)
        assert notice, path
        assert f"suspended until {day}" in re.sub(r"<[^>]+>", "", notice.group(1)), path
        assert REASON in notice.group(1), path


def test_a_suspension_without_an_end_says_it_lasts_until_lifted(auth, app, team):
    suspend(auth, app, team["alice"])
    member = app.test_client()
    assert auth.on(member).login("alice").status_code == 302
    page = text(member.get("/"))
    assert "It lasts until a moderator lifts it." in page and REASON in page


def test_the_forms_are_disabled_with_the_reason_and_the_server_still_refuses(auth, app, team):
    suspend(auth, app, team["alice"], until=in_days(3))
    member = app.test_client()
    assert auth.on(member).login("alice").status_code == 302
    prediction = team["prediction"]
    page = text(member.get(f"/predictions/{prediction.id}"))
    forms = re.findall(r'<form\b[^>]*method="post"[^>]*>(.*?)</form>', page, re.DOTALL)
    writes = [f for f in forms if 'name="probability"' in f or 'name="body"' in f]
    assert len(writes) >= 2  # the forecast form and the comment form
    for body in writes:
        assert body.lstrip().startswith('<fieldset class="suspended-lock" disabled')
        assert f"your account is suspended (the moderator's reason: “{REASON}”)" in body
    logout = re.search(r'<form[^>]*action="/logout"[^>]*>(.*?)</form>', page, re.DOTALL)
    assert logout and "suspended-lock" not in logout.group(1)  # they may still log out
    article = text(member.get("/articles/test-article"))
    share = re.search(r'<form class="share-form"[^>]*>(.*?)</form>', article, re.DOTALL)
    assert share and 'class="suspended-lock" disabled' in share.group(1)
    response = member.post(f"/predictions/{prediction.id}/forecasts", data={"probability": "40"})
    assert response.status_code == 403


def test_other_members_forms_are_untouched(auth, app, team):
    suspend(auth, app, team["alice"])
    other = app.test_client()
    assert auth.on(other).login("bob").status_code == 302
    page = other.get(f"/predictions/{team['prediction'].id}").get_data(as_text=True)
    assert "suspended-lock" not in page and "suspension-notice" not in page


def test_the_suspension_lifts_itself_at_its_end(auth, app, team, monkeypatch):
    suspend(auth, app, team["alice"], until=in_days(2))
    assert fresh(team["alice"]).suspended is True
    later(monkeypatch, 3)
    assert fresh(team["alice"]).suspended is False
    assert db.session.scalar(select(User.id).where(User.suspended)) is None
    member = app.test_client()
    assert auth.on(member).login("alice").status_code == 302
    page = text(member.get(f"/predictions/{team['prediction'].id}"))
    assert "suspension-notice" not in page and "suspended-lock" not in page
    response = member.post(f"/predictions/{team['prediction'].id}/forecasts",
                           data={"probability": "40"})
    assert response.status_code == 303
    moderator = app.test_client()
    assert auth.on(moderator).login("mod").status_code == 302
    members = text(moderator.get("/moderation/members?q=alice"))
    row = members.split(f'id="member-{team["alice"].id}"', 1)[1].split("</li>", 1)[0]
    assert "suspension ended" in row and ">suspended" not in row
    assert "Lift suspension" not in row and "Suspend" in row
    audit = text(moderator.get("/moderation/audit"))
    assert re.search(r"until <time[^>]*>[^<]*00:00 UTC</time> \(ended\)", audit)


def test_the_moderators_pages_show_the_end_while_it_runs(auth, app, team):
    suspend(auth, app, team["alice"], until=in_days(5))
    moderator = app.test_client()
    assert auth.on(moderator).login("mod").status_code == 302
    members = text(moderator.get("/moderation/members?q=alice"))
    end = clock.today() + timedelta(days=5)
    assert f"suspended until <time datetime=\"{end.isoformat()}T00:00:00.000Z\">" \
           f"{end.day} {end:%b %Y}</time>" in members
    audit = text(moderator.get("/moderation/audit"))
    assert "00:00 UTC</time></span>" in audit and "(ended)" not in audit


@pytest.mark.parametrize(("until", "message"), [
    ("tomorrow", "Give a date as YYYY-MM-DD."),
    (None, "Choose a day after today"),
    ("2999-01-01", "at most ten years ahead"),
])
def test_a_bad_end_is_refused_beside_the_field_and_nothing_changes(auth, app, team, until, message):
    until = clock.today().isoformat() if until is None else until
    response = suspend(auth, app, team["alice"], until=until)
    assert response.status_code == 422
    page = text(response)
    assert message in page and f'value="{until}"' in page and REASON in page
    assert fresh(team["alice"]).suspended is False
    assert db.session.scalar(select(AuditEntry.id)) is None


def test_the_member_is_notified_when_suspended_and_reinstated(auth, app, team, smtp_server):
    app.config.update(MAIL_URL=smtp_server.url)
    suspend(auth, app, team["alice"], until=in_days(7))
    suspend(auth, app, team["alice"], reason="Talked it through", action="unsuspend")
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == team["alice"].id).order_by(Notification.id)).all()
    assert [n.kind for n in notes] == ["suspended", "reinstated"]
    assert REASON in notes[0].message and "until" in notes[0].message
    assert "Talked it through" in notes[1].message
    run_jobs(app)
    mails = smtp_server.inbox.wait_for(2)
    subjects = sorted(str(m["Subject"]) for m in mails)
    assert subjects == ["Your account is suspended", "Your suspension is lifted"]
    suspended = next(m for m in mails if m["Subject"] == "Your account is suspended")
    body = " ".join(text_of(suspended).split())
    assert REASON in body and "00:00 UTC" in body
    member = app.test_client()
    assert auth.on(member).login("alice").status_code == 302
    inbox = text(member.get("/notifications"))
    assert REASON in inbox and "Talked it through" in inbox


def test_moderation_emails_follow_the_members_switch(auth, app, team):
    team["alice"].email_moderation = False
    db.session.commit()
    suspend(auth, app, team["alice"])
    assert db.session.scalar(select(Notification.kind)) == "suspended"  # in the app, still
    assert db.session.scalar(select(EmailDelivery.id)) is None
    member = app.test_client()
    assert auth.on(member).login("bob").status_code == 302
    settings = text(member.get("/settings"))
    assert "Moderators' decisions about me" in settings


def hide(auth, app, target_type, target_id, reason):
    moderator = app.test_client()
    assert auth.on(moderator).login("mod").status_code == 302
    return moderator.post(f"/moderation/{target_type}/{target_id}/hide",
                          data={"reason": reason})


def test_authors_hear_when_a_moderator_hides_their_comment(auth, app, team):
    comment = make_comment(team["prediction"], team["alice"], "Buy cheap watches here!")
    assert hide(auth, app, "comment", comment.id, "Advertising").status_code == 302
    note = db.session.scalars(select(Notification).where(
        Notification.user_id == team["alice"].id)).one()
    assert note.kind == "hidden" and "Advertising" in note.message
    assert "Kim visits Moscow again before 2028" in note.message
    message = composed("moderation_decision")
    assert message["Subject"] == "A moderator hid your comment"
    assert "Advertising" in text_of(message)
    assert f"#comment-{comment.id}" in text_of(message)
    member = app.test_client()
    assert auth.on(member).login("alice").status_code == 302
    assert "Advertising" in text(member.get("/notifications"))


def test_authors_hear_when_a_moderator_hides_their_prediction(auth, app, team):
    prediction = team["prediction"]
    assert hide(auth, app, "prediction", prediction.id, "Duplicate of another claim").status_code \
        == 302
    member = app.test_client()
    assert auth.on(member).login("bob").status_code == 302
    inbox = text(member.get("/notifications"))
    assert f"A moderator hid your prediction #{prediction.id} of " in inbox
    assert "Kim visits Moscow" not in inbox  # hidden text is shown to no member
    assert "Duplicate of another claim" in inbox
    assert "Duplicate of another claim" in text_of(composed("moderation_decision"))


def test_the_suspended_flag_reads_the_same_in_python_and_sql(app, team, monkeypatch):
    alice = team["alice"]
    alice.suspended = True
    alice.suspended_until = clock.now() + timedelta(hours=1)
    db.session.commit()
    in_sql = lambda: db.session.scalar(select(User.id).where(User.suspended))
    assert alice.suspended is True and in_sql() == alice.id
    later(monkeypatch, 1 / 24 + 1 / 86400)
    db.session.expire_all()
    assert fresh(alice).suspended is False and in_sql() is None
    alice = fresh(alice)
    alice.suspended = False
    assert alice.suspended_until is None and alice.suspension_flag is False


def test_locking_leaves_get_forms_and_untyped_forms_quiet(app):
    page = ('<form method="get" action="/search"><input name="q"></form>'
            '<form method="post" action="/predictions/1/vote"><button>Up</button></form>')
    with app.test_request_context("/"):
        locked = lock_write_forms(page, "Spam")
    assert locked.startswith('<form method="get" action="/search"><input name="q"></form>')
    assert '<fieldset class="suspended-lock" disabled title=' in locked
    assert "suspended-note" not in locked  # a vote button says why in its title only
