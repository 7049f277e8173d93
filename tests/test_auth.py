"""Accounts as a visitor meets them: register, log in and out, remember me, settings, CSRF."""

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from forum.auth.services import find_user
from forum.extensions import db
from forum.models import ApiToken, LoginSession, User
from tests.factories import DEFAULT_PASSWORD
from tests.mail_support import activate_latest, composed, text_of
from tests.test_posting import error_summary

NEW_PASSWORD = "a much longer new secret"


def register(client, **fields):
    """Submit the registration form; any field can be overridden."""
    data = {"username": "bob", "email": "bob@example.com", "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD}
    data.update(fields)
    return client.post("/register", data=data)


def nav_username(page: str) -> str | None:
    """The name the navigation bar shows as logged in, or None for a visitor."""
    match = re.search(r'data-testid="nav-username">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else None


def field_error(page: str, field_id: str) -> str | None:
    """The error message shown beside a form field, or None."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.DOTALL)
    return html.unescape(match.group(1)) if match else None


def input_value(page: str, name: str) -> str | None:
    """The value a form field is rendered with."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on the page."""
    return input_value(page, "csrf_token")


def who_is_logged_in(client) -> str | None:
    return nav_username(client.get("/").get_data(as_text=True))


# Registration -----------------------------------------------------------------------------

def test_register_sends_an_activation_link_and_the_account_logs_in_once_it_is_followed(
        client, auth, article):
    response = register(client, username="bob")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert who_is_logged_in(client) is None
    before = auth.login("bob")
    assert before.status_code == 403
    assert "isn't active yet" in before.get_data(as_text=True)
    assert who_is_logged_in(client) is None
    activate_latest(client)
    response = auth.login("bob")
    assert response.status_code == 302
    assert who_is_logged_in(client) == "bob"


def test_register_page_is_a_form_with_labelled_fields(client):
    page = client.get("/register").get_data(as_text=True)
    for name in ("username", "email", "password", "confirm"):
        assert f'<label for="{name}">' in page
        assert input_value(page, name) is not None
    assert nav_username(page) is None


def test_fields_without_errors_are_not_announced_as_invalid(client):
    # Screen readers treat any aria-invalid value but "false" as true.
    page = client.get("/register").get_data(as_text=True)
    assert 'aria-invalid="None"' not in page
    assert 'aria-describedby="None"' not in page


@pytest.mark.parametrize(("username", "message"), [
    ("al ice", "Use only letters A–Z, digits, '_' and '-'; remove spaces."),
    ("al!ce", "Use only letters A–Z, digits, '_' and '-'; remove '!'."),
    ("alice@home", "Use only letters A–Z, digits, '_' and '-'; remove '@'."),
    ("élodie", "Use only letters A–Z, digits, '_' and '-'; remove 'é'."),
    ("ab", "Use at least 3 characters."),
    ("a" * 31, "Use at most 30 characters."),
    ("", "Choose a username."),
])
def test_register_rejects_a_username_outside_the_rules(client, username, message):
    response = register(client, username=username)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "username") == message
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_register_accepts_usernames_at_the_length_limits(client, auth):
    assert register(client, username="abc").status_code == 200
    response = register(client, username="A_b-" + "c" * 26, email="long@example.com")
    assert response.status_code == 200
    activate_latest(client)
    auth.login("A_b-" + "c" * 26)
    assert who_is_logged_in(client) == "A_b-" + "c" * 26


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice", "ａｌｉｃｅ", " alice "])
def test_register_rejects_a_taken_username_whatever_its_case_or_width(client, alice, username):
    response = register(client, username=username)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "username") == "That username is taken."


def test_a_full_width_username_is_stored_as_plain_ascii(client):
    register(client, username="ｂｏｂ")
    assert db.session.scalar(select(User.username)) == "bob"


@pytest.mark.parametrize("email", ["not-an-email", "bob@", "@example.com", "bob example.com"])
def test_register_rejects_a_malformed_email(client, email):
    response = register(client, email=email)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "email") == (
        "That doesn't look like an email address.")


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.com"])
def test_register_with_a_taken_email_answers_as_a_fresh_one_and_tells_its_owner(
        client, alice, email):
    # SPEC.md §9 / issue 10 item 12: the form reveals no address.
    fresh = register(client, username="carol", email="carol@example.com")
    taken = register(client, username="bob", email=email)
    assert taken.status_code == fresh.status_code == 200
    assert taken.get_data(as_text=True) == fresh.get_data(as_text=True)
    assert find_user("alice").email == "alice@example.com"  # untouched
    assert find_user("bob").email is None  # the name is held, as carol's is; never activated
    notice = composed("address_taken")
    assert notice["To"] == "alice@example.com"
    assert "already belongs to your account" in text_of(notice)


def test_register_rejects_a_password_shorter_than_ten_characters(client):
    response = register(client, password="123456789", confirm="123456789")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "password") == "Use 10–200 characters."


def test_register_rejects_a_confirmation_that_does_not_match(client):
    response = register(client, confirm=DEFAULT_PASSWORD + "!")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "confirm") == (
        "The two passwords don't match.")


def test_register_shows_every_problem_at_once_and_keeps_what_was_typed(client, alice):
    response = register(client, username="ALICE", email="alice@example.com", password="short",
                        confirm="other")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_summary(page).startswith("There are 3 problems")
    assert field_error(page, "username") == "That username is taken."
    assert field_error(page, "email") is None  # a taken address is never named
    assert field_error(page, "password") == "Use 10–200 characters."
    assert field_error(page, "confirm") == "The two passwords don't match."
    assert input_value(page, "username") == "ALICE"
    assert input_value(page, "email") == "alice@example.com"
    assert input_value(page, "password") == ""  # never echoed back
    assert 'aria-invalid="true"' in page


def test_a_member_who_is_logged_in_is_sent_home_from_register(client, alice, auth):
    auth.login()
    response = client.get("/register")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"


def test_the_database_keeps_a_scrypt_hash_never_the_password(client):
    register(client, username="bob", password=DEFAULT_PASSWORD, confirm=DEFAULT_PASSWORD)
    rows = db.session.execute(text("SELECT * FROM users")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["password_hash"].startswith("scrypt:")
    for value in rows[0].values():
        assert DEFAULT_PASSWORD not in str(value)


# Logging in and out -----------------------------------------------------------------------

def test_login_with_the_right_password_shows_the_username(client, alice, auth, article):
    response = auth.login()
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    page = client.get("/").get_data(as_text=True)
    assert nav_username(page) == "alice"
    assert "Welcome back, alice." in page


def test_login_ignores_the_case_of_the_username(client, alice, auth):
    auth.login(username="ALICE")
    assert who_is_logged_in(client) == "alice"


def test_unknown_user_and_wrong_password_get_the_same_answer(client, alice, auth):
    unknown = auth.login(username="nobody")
    wrong = auth.login(username="alice", password="not the password")
    assert unknown.status_code == wrong.status_code == 422
    unknown_error = field_error(unknown.get_data(as_text=True), "password")
    assert unknown_error == field_error(wrong.get_data(as_text=True), "password")
    assert unknown_error == "Unknown username or wrong password."
    assert who_is_logged_in(client) is None


def test_login_keeps_the_username_but_not_the_password(client, alice, auth):
    page = auth.login(password="not the password").get_data(as_text=True)
    assert input_value(page, "username") == "alice"
    assert input_value(page, "password") == ""


def test_login_with_empty_fields_says_what_is_missing(client):
    response = client.post("/login", data={"username": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "username") == "Enter your username."
    assert field_error(page, "password") == "Enter your password."


def test_login_follows_next_to_a_page_on_this_site(client, alice):
    page = client.get("/login?next=/settings").get_data(as_text=True)
    assert input_value(page, "next") == "/settings"
    response = client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD,
                                           "next": "/settings?tab=password"})
    assert response.headers["Location"] == "/settings?tab=password"


@pytest.mark.parametrize("target", [
    "//evil.com", "///evil.com", "https://evil.com", "http:evil.com", "/\\evil.com", "\\\\evil.com",
    "javascript:alert(1)", "/\t/evil.com", "/\n/evil.com", " //evil.com", "evil.com",
])
def test_login_never_redirects_off_the_site(client, alice, target):
    response = client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_logged_in_member_visiting_login_is_not_sent_off_the_site(client, alice, auth):
    auth.login()
    assert client.get("/login?next=//evil.com").headers["Location"] == "/"
    assert client.get("/login?next=/settings").headers["Location"] == "/settings"


def test_remember_me_keeps_the_member_logged_in_without_the_session_cookie(client, alice, auth):
    response = auth.login(remember=True)
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    assert who_is_logged_in(client) == "alice"


def test_without_remember_me_dropping_the_session_cookie_logs_out(client, alice, auth):
    response = auth.login()
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    client.delete_cookie("session")
    assert who_is_logged_in(client) is None


def test_full_width_spellings_of_a_name_share_its_login_limit(make_app, alice):
    app = make_app(RATELIMIT_ENABLED=True,
                   RATE_LIMITS={"login_ip": "100 per minute", "login_account": "2 per hour"})
    client = app.test_client()
    spellings = ["alice", "ａlice", "aｌice"]  # all three log in to the same account
    statuses = [client.post("/login", data={"username": name, "password": "wrong password"},
                            environ_base={"REMOTE_ADDR": f"10.0.0.{index}"}).status_code
                for index, name in enumerate(spellings)]
    assert statuses == [422, 422, 429]


def test_logout_by_get_is_not_allowed(client, alice, auth):
    auth.login()
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.headers["Allow"] in ("POST", "OPTIONS, POST", "POST, OPTIONS")
    assert who_is_logged_in(client) == "alice"


def test_logout_logs_the_member_out(client, alice, auth):
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert nav_username(page) is None
    assert "You are logged out." in page
    assert ">Log in</a>" in page


def test_logout_ends_the_session_on_the_server(client, alice, auth):
    auth.login(remember=True)
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    auth.logout()
    client.set_cookie("session", session_cookie)  # an attacker replays the stolen cookies
    assert who_is_logged_in(client) is None
    client.delete_cookie("session")
    client.set_cookie("remember_token", remember_cookie)
    assert who_is_logged_in(client) is None
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0


def test_each_login_is_its_own_session(auth, make_app, alice):
    app = make_app()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        auth.on(device).login()
    laptop.post("/logout")
    assert who_is_logged_in(laptop) is None
    assert who_is_logged_in(phone) == "alice"


# Settings ---------------------------------------------------------------------------------

def settings_post(client, form: str, **fields):
    data = {f"{form}-{name}": value for name, value in fields.items()}
    data[f"{form}-submit"] = "1"
    return client.post("/settings", data=data)


def test_settings_need_a_login(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fsettings"


def test_settings_save_the_bio(client, alice, auth):
    auth.login()
    response = settings_post(client, "profile", bio="  Forecasting Korean politics.  ")
    assert response.status_code == 302
    page = client.get("/settings").get_data(as_text=True)
    assert "Your profile is saved." in page
    assert re.search(r'name="profile-bio"[^>]*>\s*Forecasting Korean politics\.</textarea>', page)
    assert db.session.get(User, alice.id).bio == "Forecasting Korean politics."


def test_settings_refuse_a_bio_that_is_too_long(client, alice, auth):
    auth.login()
    response = settings_post(client, "profile", bio="x" * 1001)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "profile-bio") == (
        "Keep it under 1,000 characters.")


def test_changing_the_password_needs_the_current_one(client, alice, auth):
    auth.login()
    response = settings_post(client, "password", current_password="not my password",
                             new_password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "password-current_password") == "That is not your current password."
    assert db.session.get(User, alice.id).check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize(("new", "confirm", "field", "message"), [
    ("short", "short", "password-new_password", "Use 10–200 characters."),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "password-confirm", "The two passwords don't match."),
    ("", "", "password-new_password", "Choose a new password."),
])
def test_the_new_password_must_follow_the_rules(client, alice, auth, new, confirm, field,
                                                message):
    auth.login()
    response = settings_post(client, "password", current_password=DEFAULT_PASSWORD,
                             new_password=new, confirm=confirm)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field) == message
    assert db.session.get(User, alice.id).check_password(DEFAULT_PASSWORD)


def test_changing_the_password_ends_other_sessions_and_api_tokens(make_app, alice):
    app = make_app()
    here, elsewhere, script = app.test_client(), app.test_client(), app.test_client()
    for device in (here, elsewhere):
        device.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD,
                                    "remember": "y"})
    token = script.post("/api/v1/tokens", json={"username": "alice",
                                                "password": DEFAULT_PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/v1/articles", headers=bearer).status_code == 200

    response = settings_post(here, "password", current_password=DEFAULT_PASSWORD,
                             new_password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    assert "Other devices and API tokens were signed out." in (
        here.get("/settings").get_data(as_text=True))

    assert who_is_logged_in(here) == "alice"
    assert who_is_logged_in(elsewhere) is None
    elsewhere.delete_cookie("session")  # its remember-me cookie is dead too
    assert who_is_logged_in(elsewhere) is None
    assert script.get("/api/v1/articles", headers=bearer).status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_after_a_password_change_only_the_new_password_logs_in(auth, make_app, alice):
    app = make_app()
    client = app.test_client()
    auth.on(client).login()
    settings_post(client, "password", current_password=DEFAULT_PASSWORD,
                  new_password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    client.post("/logout")
    old = auth.on(client).login()
    assert old.status_code == 422
    new = client.post("/login", data={"username": "alice", "password": NEW_PASSWORD})
    assert new.status_code == 302
    assert db.session.get(User, alice.id).password_hash.startswith("scrypt:")


# CSRF -------------------------------------------------------------------------------------

@pytest.fixture
def csrf_client(make_app):
    """A client of an app with CSRF protection on, as in production."""
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def login_with_token(client, username="alice", password=DEFAULT_PASSWORD):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_a_form_posted_without_its_csrf_token_is_refused(csrf_client, alice, path):
    response = csrf_client.post(path, data={"username": "alice", "password": DEFAULT_PASSWORD,
                                            "email": "x@example.com", "confirm": DEFAULT_PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Reload the page and try again." in page
    assert who_is_logged_in(csrf_client) is None


def test_a_form_with_its_csrf_token_is_accepted(csrf_client, alice):
    assert login_with_token(csrf_client).status_code == 302
    assert who_is_logged_in(csrf_client) == "alice"


def test_logout_without_the_csrf_token_is_refused(csrf_client, alice):
    login_with_token(csrf_client)
    assert csrf_client.post("/logout").status_code == 400
    assert who_is_logged_in(csrf_client) == "alice"
    token = csrf_token(csrf_client.get("/").get_data(as_text=True))
    assert csrf_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert who_is_logged_in(csrf_client) is None


def test_settings_without_the_csrf_token_are_refused(csrf_client, alice):
    login_with_token(csrf_client)
    response = csrf_client.post("/settings", data={"profile-bio": "hacked",
                                                   "profile-submit": "1"})
    assert response.status_code == 400
    assert db.session.get(User, alice.id).bio == ""


def test_a_csrf_token_from_another_session_is_refused(csrf_client, make_app, alice):
    other = make_app(WTF_CSRF_ENABLED=True).test_client()
    foreign_token = csrf_token(other.get("/login").get_data(as_text=True))
    csrf_client.get("/login")
    response = csrf_client.post("/login", data={"username": "alice", "password": DEFAULT_PASSWORD,
                                                "csrf_token": foreign_token})
    assert response.status_code == 400

