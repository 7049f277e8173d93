"""Accounts by email (SPEC.md §9) as a person meets them, through a real SMTP server:
activation, password reset, address change, deletion, email settings and their limits.
Every bad link (tampered, malformed, expired, used) is a clear 400 or 410 page that changes
nothing."""

import re

import pytest
from sqlalchemy import func, select

from forum import tokens
from forum.extensions import db
from forum.models import ApiToken, EmailDelivery, LoginSession, Notification, Score, User
from tests.api_support import bearer
from tests.factories import DEFAULT_PASSWORD, make_article, make_comment, make_user
from tests.mail_support import links_in, path_of, run_jobs, text_of
from tests.moderation_support import closed_prediction, resolve
from tests.test_auth import who_is_logged_in

NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def mail_app(make_app, smtp_server):
    app = make_app(MAIL_URL=smtp_server.url)
    with app.app_context():
        yield app


@pytest.fixture
def client(mail_app):
    return mail_app.test_client()


def fresh(model, row_id):
    db.session.commit()
    return db.session.get(model, row_id)


def one_email(app, inbox, to: str):
    run_jobs(app)
    messages = inbox.to(to)
    assert len(messages) == 1, [m["Subject"] for m in inbox.messages]
    return messages[0]


# Activation ---------------------------------------------------------------------------------

def test_register_activate_through_the_email_then_log_in(auth, mail_app, client,
                                                         smtp_server):
    response = client.post("/register", data={
        "username": "newbie", "email": "newbie@example.com", "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert auth.login("newbie").status_code == 403
    message = one_email(mail_app, smtp_server.inbox, "newbie@example.com")
    link = path_of(links_in(message)[0])
    page = client.get(link)
    assert page.status_code == 200 and "Activate my account" in page.get_data(as_text=True)
    assert not db.session.scalar(select(User).where(User.username == "newbie")).is_verified
    assert client.post(link).status_code == 302
    assert auth.login("newbie").status_code == 302
    assert who_is_logged_in(client) == "newbie"
    used = client.post(link)
    assert used.status_code == 410 and "used already" in used.get_data(as_text=True)


def test_an_unactivated_account_gets_no_api_token_and_can_ask_for_the_link_again(auth, 
        mail_app, client, smtp_server):
    make_user("newbie", email_verified_at=None)
    response = client.post("/api/v1/tokens", json={"username": "newbie",
                                                  "password": DEFAULT_PASSWORD})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    page = auth.login("newbie").get_data(as_text=True)
    token = page.split('name="token" value="')[1].split('"')[0]
    assert client.post("/activate/resend", data={"token": token}).status_code == 200
    message = one_email(mail_app, smtp_server.inbox, "newbie@example.com")
    assert client.post(path_of(links_in(message)[0])).status_code == 302
    assert client.post("/api/v1/tokens", json={"username": "newbie",
                                              "password": DEFAULT_PASSWORD}).status_code == 201


def test_development_pages_say_where_emails_are_written(make_app, tmp_path):
    app = make_app(MAIL_DIR=str(tmp_path / "mail"))
    page = app.test_client().post("/register", data={
        "username": "newbie", "email": "newbie@example.com", "password": DEFAULT_PASSWORD,
        "confirm": DEFAULT_PASSWORD}).get_data(as_text=True)
    assert str(tmp_path / "mail") in page
    production = make_app(FORUM_ENV="production", SECRET_KEY="s" * 40,
                          MAIL_DIR=str(tmp_path / "mail"))
    page = production.test_client().post("/reset-password", data={
        "email": "x@example.com"}).get_data(as_text=True)
    assert str(tmp_path) not in page


# Password reset -----------------------------------------------------------------------------

def test_the_whole_reset_journey_through_smtp(auth, mail_app, client, smtp_server):
    alice = make_user("alice")
    other_device = mail_app.test_client()
    assert auth.on(other_device).login().status_code == 302
    bearer(alice)
    assert client.get("/reset-password").status_code == 200
    response = client.post("/reset-password", data={"email": "ALICE@example.com"})
    assert response.status_code == 200
    message = one_email(mail_app, smtp_server.inbox, "alice@example.com")
    assert message["Subject"] == "Set a new Forecast Forum password"
    link = path_of(links_in(message)[0])
    assert link.startswith("/reset-password/")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    # Every session and API token of the account ended; the new password works.
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert who_is_logged_in(other_device) is None
    assert auth.login().status_code == 422
    assert auth.login("alice", NEW_PASSWORD).status_code == 302
    # The link works once.
    again = mail_app.test_client().post(link, data={"password": "yet another password!",
                                                    "confirm": "yet another password!"})
    assert again.status_code == 410
    assert fresh(User, alice.id).check_password(NEW_PASSWORD)


def test_reset_answers_the_same_for_every_address(mail_app, client, smtp_server):
    make_user("alice")
    known = client.post("/reset-password", data={"email": "alice@example.com"})
    unknown = client.post("/reset-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    run_jobs(mail_app)
    assert [m["To"] for m in smtp_server.inbox.messages] == ["alice@example.com"]


def _reset_link(mail_app, inbox):
    make_user("alice")
    mail_app.test_client().post("/reset-password", data={"email": "alice@example.com"})
    return path_of(links_in(one_email(mail_app, inbox, "alice@example.com"))[0])


@pytest.mark.parametrize("mangle, status", [
    (lambda link: link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"), 400),  # tampered
    (lambda link: link.rsplit(".", 1)[0], 400),  # truncated
    (lambda link: "/reset-password/not-a-token", 400),
    (lambda link: "/reset-password/" + "A" * 900, 400),
    (lambda link: "/reset-password/%F0%9F%92%A5", 400),
    (lambda link: "/reset-password/" + tokens.make("activate", {"u": 1, "e": "x"}), 400),
])
def test_a_bad_reset_link_is_a_clear_page_and_changes_nothing(mail_app, client, smtp_server,
                                                              mangle, status):
    link = mangle(_reset_link(mail_app, smtp_server.inbox))
    before = db.session.scalar(select(User.password_hash))
    for response in (client.get(link), client.post(link, data={
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert response.status_code == status
        assert "link" in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.scalar(select(User.password_hash)) == before


def test_an_expired_reset_link_is_410(mail_app, client, smtp_server, monkeypatch):
    link = _reset_link(mail_app, smtp_server.inbox)
    monkeypatch.setattr("forum.auth.notifications.RESET_MAX_AGE", -1)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert not db.session.scalar(select(User)).check_password(NEW_PASSWORD)


def test_a_reset_link_made_before_a_password_change_stops_working(mail_app, client,
                                                                  smtp_server):
    link = _reset_link(mail_app, smtp_server.inbox)
    alice = db.session.scalar(select(User))
    alice.set_password("changed in the meantime")
    db.session.commit()
    assert client.get(link).status_code == 410


# Address change -----------------------------------------------------------------------------

def test_changing_the_address_confirms_the_new_one_and_tells_the_old(auth, mail_app, client,
                                                                    smtp_server):
    alice = make_user("alice")
    auth.login()
    response = client.post("/settings/email", data={"email-email": "New@Example.org",
                                                    "email-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    settings = client.get("/settings").get_data(as_text=True)
    assert "new@example.org" in settings and 'id="email-verified"' in settings
    assert fresh(User, alice.id).email == "alice@example.com"  # the old stays in force
    run_jobs(mail_app)
    [old] = smtp_server.inbox.to("alice@example.com")
    assert "new@example.org" in text_of(old)
    [new] = smtp_server.inbox.to("new@example.org")
    link = path_of(links_in(new)[0])
    assert client.get(link).status_code == 200
    assert fresh(User, alice.id).email == "alice@example.com"  # a GET changes nothing
    assert client.post(link).status_code == 302
    user = fresh(User, alice.id)
    assert (user.email, user.pending_email) == ("new@example.org", None)
    assert client.post(link).status_code == 410


def test_changing_to_a_taken_address_answers_the_same_and_changes_nothing(auth, 
        mail_app, client, smtp_server):
    alice, _ = make_user("alice"), make_user("bob")
    auth.login()
    response = client.post("/settings/email", data={"email-email": "bob@example.com",
                                                    "email-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    run_jobs(mail_app)
    assert fresh(User, alice.id).email == "alice@example.com"
    assert fresh(User, alice.id).pending_email is None
    [notice] = smtp_server.inbox.to("bob@example.com")
    assert "already belongs" in text_of(notice)


def test_an_address_change_needs_the_password_and_a_real_address(auth, mail_app, client):
    make_user("alice")
    auth.login()
    wrong = client.post("/settings/email", data={"email-email": "n@example.org",
                                                 "email-password": "wrong password!"})
    bad = client.post("/settings/email", data={"email-email": "not an address",
                                               "email-password": DEFAULT_PASSWORD})
    assert wrong.status_code == bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(EmailDelivery)) == 0


# Email settings -----------------------------------------------------------------------------

def test_email_settings_switch_each_kind(auth, mail_app, client):
    alice = make_user("alice")
    auth.login()
    page = client.get("/settings").get_data(as_text=True)
    assert page.count('type="checkbox"') >= 4 and "Replies to my comments" in page
    response = client.post("/settings/notifications", data={"notify-email_digest": "y"})
    assert response.status_code == 302
    user = fresh(User, alice.id)
    assert (user.email_replies, user.email_resolutions, user.email_reminders,
            user.email_digest) == (False, False, False, True)


@pytest.mark.parametrize("token, status", [
    ("garbage", 400),
    (None, 400),  # a signed token for an unknown kind
    ("", 404),
])
def test_a_bad_unsubscribe_link_is_refused_and_changes_nothing(mail_app, client, token,
                                                               status):
    alice = make_user("alice")
    if token is None:
        token = tokens.make("unsubscribe", {"u": alice.id, "k": "password_hash"})
    for method in (client.get, client.post):
        assert method(f"/unsubscribe/{token}").status_code == status
    assert fresh(User, alice.id).email_replies is True


def test_a_resolution_email_gives_the_outcome_and_the_members_scores(
        mail_app, client, smtp_server):
    article = make_article()
    alice, bob, mod = make_user("alice"), make_user("bob"), make_user("mod", role="moderator")
    carol = make_user("carol", email_resolutions=False)
    prediction = closed_prediction(article, alice, forecasts=[(bob, 0.8, 20), (carol, 0.3, 10)])
    resolve(prediction, mod, "yes")
    run_jobs(mail_app)
    [to_bob] = smtp_server.inbox.to("bob@example.com")
    score = db.session.scalar(select(Score).where(Score.user_id == bob.id))
    body = text_of(to_bob)
    assert "resolved YES" in to_bob["Subject"]
    assert f"{score.brier:.3f}" in body and f"{score.relative_brier:+.3f}" in body
    assert len(smtp_server.inbox.to("alice@example.com")) == 1  # the author
    assert smtp_server.inbox.to("carol@example.com") == []  # switched off
    assert smtp_server.inbox.to("mod@example.com") == []  # the one who resolved


# Deletion -----------------------------------------------------------------------------------

def test_deleting_the_account_erases_it_and_moves_no_one_elses_score(auth, 
        mail_app, client):
    article = make_article()
    alice, bob, mod = make_user("alice"), make_user("bob", bio="Hi there"), \
        make_user("mod", role="moderator")
    prediction = closed_prediction(article, alice, forecasts=[(bob, 0.8, 20)])
    make_comment(prediction, bob, "My reasoning")
    resolve(prediction, mod, "yes")
    before = {row.user_id: (row.brier, row.relative_brier)
              for row in db.session.scalars(select(Score))}
    auth.login("bob")
    bearer(bob)
    wrong = client.post("/settings/delete", data={"delete-password": "not my password"})
    assert wrong.status_code == 422
    assert fresh(User, bob.id).username == "bob"
    response = client.post("/settings/delete", data={"delete-password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    user = fresh(User, bob.id)
    assert (user.username, user.email, user.bio) == (f"deleted-{bob.id}", None, "")
    assert user.is_deleted
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == bob.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == bob.id)) == 0
    assert who_is_logged_in(client) is None
    after = {row.user_id: (row.brier, row.relative_brier)
             for row in db.session.scalars(select(Score))}
    assert after == before  # forecasts and scores stay, so nobody's relative score moves
    assert auth.login(f"deleted-{bob.id}").status_code == 422
    assert auth.login("bob").status_code == 422
    page = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert f"deleted-{bob.id}" in page and "My reasoning" in page
    # Nobody can take the name, and the freed address can register again.
    taken = client.post("/register", data={"username": f"deleted-{bob.id}",
                                           "email": "x@example.com",
                                           "password": DEFAULT_PASSWORD,
                                           "confirm": DEFAULT_PASSWORD})
    assert taken.status_code == 422
    again = client.post("/register", data={"username": "bob2", "email": "bob@example.com",
                                           "password": DEFAULT_PASSWORD,
                                           "confirm": DEFAULT_PASSWORD})
    assert again.status_code == 200
    assert db.session.scalar(select(User).where(User.username == "bob2")) is not None


# Your data ----------------------------------------------------------------------------------

def test_download_my_data_is_built_by_a_job_offered_for_a_day_and_emailed(auth, 
        mail_app, client, smtp_server):
    article = make_article()
    alice = make_user("alice")
    prediction = closed_prediction(article, alice)
    make_comment(prediction, alice, "A note of mine")
    auth.login()
    assert client.post("/settings/export").status_code == 302
    assert 'id="export-building"' in client.get("/settings").get_data(as_text=True)
    run_jobs(mail_app)
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="export-ready"' in page
    url = page.split('id="export-ready">Your data is ready: <a href="')[1].split('"')[0]
    download = client.get(url)
    assert download.status_code == 200 and download.mimetype == "application/json"
    data = download.get_json()
    assert data["account"]["email"] == "alice@example.com"
    assert data["comments"][0]["body"] == "A note of mine"
    assert data["predictions"][0]["id"] == prediction.id
    [email] = smtp_server.inbox.to("alice@example.com")
    assert "/settings#data" in text_of(email)
    other = mail_app.test_client()
    make_user("bob")
    auth.on(other).login("bob")
    assert other.get(url).status_code == 404  # only its owner gets it


# Limits -------------------------------------------------------------------------------------

@pytest.fixture
def limited(make_app, smtp_server):
    app = make_app(RATELIMIT_ENABLED=True, MAIL_URL=smtp_server.url)
    with app.app_context():
        yield app


@pytest.mark.parametrize("path, data", [
    ("/reset-password", {"email": "someone@example.com"}),
    ("/activate/resend", {"token": "x"}),
])
def test_every_form_that_sends_an_email_is_rate_limited(limited, path, data):
    client = limited.test_client()
    for _ in range(5):
        assert client.post(path, data=data).status_code != 429
    response = client.post(path, data=data)
    assert response.status_code == 429 and "Retry-After" in response.headers


@pytest.mark.parametrize("path", ["/reset-password/{t}", "/activate/{t}",
                                  "/settings/email/confirm/{t}", "/unsubscribe/{t}"])
def test_every_link_from_an_email_is_rate_limited(limited, path):
    client = limited.test_client()
    for _ in range(30):
        assert client.post(path.format(t="x")).status_code == 400
    assert client.post(path.format(t="x")).status_code == 429


def test_settings_email_forms_are_rate_limited(auth, limited):
    make_user("alice")
    client = limited.test_client()
    auth.on(client).login()
    for _ in range(5):
        client.post("/settings/email", data={"email-email": "n@example.org",
                                             "email-password": "wrong password!"})
    assert client.post("/settings/email", data={}).status_code == 429
    for _ in range(5):
        client.post("/settings/delete", data={"delete-password": "wrong password!"})
    assert client.post("/settings/delete", data={}).status_code == 429


# Registration reveals no address, by any side door ------------------------------------------

CSRF_VALUE = re.compile(r'(?<=name="csrf_token" )value="[^"]*"')


def register_form(client, username, email):
    return client.post("/register", data={"username": username, "email": email,
                                          "password": DEFAULT_PASSWORD,
                                          "confirm": DEFAULT_PASSWORD})


def test_after_registering_a_taken_or_a_fresh_address_everything_a_stranger_sees_is_the_same(auth, 
        mail_app, client, smtp_server):
    make_user("alice")
    answers = {}
    for name, email in (("fresh1", "new@example.com"), ("taken1", "alice@example.com")):
        first = register_form(client, name, email)
        again = register_form(client, name, "other-" + email)  # the name is held either way
        denied = auth.login(name)  # "not active yet", with the resend button, either way
        token = denied.get_data(as_text=True).split('name="token" value="')[1].split('"')[0]
        resent = client.post("/activate/resend", data={"token": token})
        # The CSRF token is signed with the time, so two pages a second apart differ there.
        answers[name] = [(r.status_code, CSRF_VALUE.sub('value="CSRF"', r.get_data(as_text=True)
                                                         .replace(token, "T").replace(name, "NAME")
                                                         .replace(email, "EMAIL")))
                         for r in (first, again, denied, resent)]
    assert answers["fresh1"] == answers["taken1"]
    assert [status for status, _ in answers["fresh1"]] == [200, 422, 403, 200]
    run_jobs(mail_app)
    assert sorted(m["To"] for m in smtp_server.inbox.messages) == [
        "alice@example.com", "new@example.com", "new@example.com"]  # activation sent twice


def test_a_stranger_cannot_flood_an_owner_with_registration_or_reset_emails(
        mail_app, client, smtp_server):
    make_user("alice")
    for n in range(4):
        register_form(client, f"flood{n}", "alice@example.com")
        client.post("/reset-password", data={"email": "alice@example.com"})
    run_jobs(mail_app)
    subjects = sorted(m["Subject"] for m in smtp_server.inbox.to("alice@example.com"))
    assert subjects == ["Set a new Forecast Forum password",
                        "Someone tried to register with your address"]


def test_accounts_never_activated_are_purged_after_the_links_life_and_free_their_names(
        mail_app, client):
    from datetime import timedelta

    from forum import clock
    from forum.auth.accounts import purge_unactivated

    make_user("alice")
    register_form(client, "squatter", "alice@example.com")
    register_form(client, "patient", "patient@example.com")
    old = make_user("oldtimer", email_verified_at=None)
    active = make_user("active")
    long_ago = clock.now() - timedelta(days=8)
    for user in db.session.scalars(select(User)):
        user.joined_at = long_ago
    db.session.commit()
    assert purge_unactivated() == 3  # squatter, patient, oldtimer
    assert {u.username for u in db.session.scalars(select(User))} == {"alice", "active"}
    assert register_form(client, "squatter", "s@example.com").status_code == 200
    assert fresh(User, active.id) is not None and old is not None


@pytest.mark.parametrize("path, data", [
    ("/settings/email", {"email-email": "n@example.org", "email-password": DEFAULT_PASSWORD}),
    ("/settings/email/resend", {}),
    ("/settings/notifications", {}),
    ("/settings/export", {}),
    ("/settings/delete", {"delete-password": DEFAULT_PASSWORD}),
])
def test_a_suspended_member_changes_nothing_through_the_new_settings(auth, mail_app, client, path,
                                                                     data):
    alice = make_user("alice")
    auth.login()
    alice.suspended = True
    db.session.commit()
    # 403, or a redirect to log in if suspension has ended the session by then
    assert client.post(path, data=data).status_code in (302, 403)
    user = fresh(User, alice.id)
    assert (user.username, user.email, user.pending_email, user.email_replies) == (
        "alice", "alice@example.com", None, True)
    assert db.session.scalar(select(func.count()).select_from(EmailDelivery)) == 0


LINKS = [  # (path, token purpose, payload for alice, the max-age setting)
    ("/activate/{}", "activate", lambda u: {"u": u.id, "e": u.email},
     "forum.auth.notifications.ACTIVATION_MAX_AGE"),
    ("/settings/email/confirm/{}", "change-email",
     lambda u: {"u": u.id, "old": u.email, "new": "n@example.org"},
     "forum.auth.notifications.EMAIL_CHANGE_MAX_AGE"),
    ("/reset-password/{}", "reset-password",
     lambda u: {"u": u.id, "p": tokens.fingerprint(u.password_hash)},
     "forum.auth.notifications.RESET_MAX_AGE"),
]


@pytest.mark.parametrize("path, purpose, payload, max_age", LINKS)
def test_every_emailed_link_refuses_tampered_foreign_and_expired_tokens(
        mail_app, client, monkeypatch, path, purpose, payload, max_age):
    alice = make_user("alice", email_verified_at=None)
    alice.pending_email = "n@example.org"
    db.session.commit()
    good = tokens.make(purpose, payload(alice))
    snapshot = (alice.email, alice.pending_email, alice.password_hash, alice.email_verified_at)
    foreign = tokens.make("unsubscribe", payload(alice))  # signed, for another purpose
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for token in (foreign, tampered, "a.b.c", "x" * 1001):
        for method in (client.get, client.post):
            response = method(path.format(token), data={"password": NEW_PASSWORD,
                                                          "confirm": NEW_PASSWORD})
            assert response.status_code == 400, (token[:20], response.status_code)
    monkeypatch.setattr(max_age, -1)
    for method in (client.get, client.post):
        response = method(path.format(good), data={"password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD})
        assert response.status_code == 410
        assert "expired" in response.get_data(as_text=True)
    user = fresh(User, alice.id)
    assert (user.email, user.pending_email, user.password_hash, user.email_verified_at) == \
        snapshot
