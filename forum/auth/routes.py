"""Register, log in, log out, settings."""

import logging

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum import cache_versions, limits
from forum.auth import accounts, bp, services
from forum.auth.forms import (
    PasswordForm,
    ProfileForm,
    RegisterForm,
    TokenForm,
    login_form_data,
    read_login_form,
)
from forum.auth.recovery import check_email_page
from forum.auth.settings_page import settings_page
from forum.errors import Invalid
from forum.extensions import db, login_manager
from forum.forms import keep_input_when_limited, place_errors
from forum.http import safe_next

log = logging.getLogger("forum")

login_manager.login_view = "auth.login"
login_manager.login_message = "Log in to do that."
login_manager.login_message_category = "info"
login_manager.user_loader(services.load_session_user)




def log_in(user, remember: bool) -> None:
    """Start a fresh session for the user (a new session identity, never the old one)."""
    session.clear()
    services.start_session(user, request.user_agent.string or "")
    db.session.commit()
    login_user(user, remember=remember)
    log.info("login: user=%s ip=%s", user.username, request.remote_addr)


def _login_again(message: str):
    """A login refused by the rate limit: the form again, the username kept."""
    form = read_login_form()
    form.password.data = ""
    place_errors(form, message)
    return render_template("auth/login.html", form=form), 429


def _register_again(message: str):
    form = RegisterForm()
    place_errors(form, message)
    return render_template("auth/register.html", form=form), 429


def _settings_again(message: str):
    profile = ProfileForm(prefix="profile")
    password = PasswordForm(prefix="password", formdata=None)
    place_errors(password if "password-submit" in request.form else profile, message)
    return settings_page(429, profile=profile, password=password)


@bp.route("/login", methods=["GET", "POST"])
@keep_input_when_limited(_login_again, anonymous=True)
@limits.login_per_ip
@limits.login_per_account
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("articles.home"))
    form = read_login_form()
    if request.method == "POST":
        try:
            username, password = services.read_login(login_form_data())
        except Invalid as error:
            place_errors(form, error)
        else:
            user = services.authenticate(username, password)
            if user is None:
                log.warning("login failed: username=%r ip=%s", username[:40],
                            request.remote_addr)
                form.password.errors = ["Unknown username or wrong password."]
            elif not user.is_verified:
                log.info("login before activation: user=%s ip=%s", user.username,
                         request.remote_addr)
                return render_template("auth/login.html", form=form,
                                       resend_token=accounts.resend_token(user)), 403
            else:
                log_in(user, remember=form.remember.data)
                if user.suspended:  # the notice on every page says why, and until when
                    flash(f"Welcome back, {user.username}. Your account is suspended: you "
                          "can read, but not post, forecast, vote or comment.", "info")
                else:
                    flash(f"Welcome back, {user.username}.", "success")
                return redirect(safe_next(form.next.data) or url_for("articles.home"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
@keep_input_when_limited(_register_again, anonymous=True)
@limits.register
def register():
    if current_user.is_authenticated:
        return redirect(url_for("articles.home"))
    form = RegisterForm()
    if request.method == "POST":
        try:
            accounts.register(form.username.data or "", form.email.data or "",
                              form.password.data or "", confirm=form.confirm.data or "")
        except Invalid as error:
            db.session.rollback()
            place_errors(form, error)
        else:
            db.session.commit()
            log.info("registered: user=%s ip=%s", services.normalize_username(
                form.username.data), request.remote_addr)
            return check_email_page("activation")
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
@login_required
@limits.session
def logout():
    services.end_session(current_user)
    db.session.commit()
    session.clear()  # nothing of the member's session outlives it...
    logout_user()  # ...but this, after clear(): Flask-Login's note to delete remember-me
    flash("You are logged out.", "info")
    return redirect(url_for("articles.home"))


_LOGIN_KEYS = {"_user_id", "_id", "_fresh"}  # what Flask-Login keeps in the session


@bp.after_app_request
def forget_dead_login_cookies(response):
    """Delete a remember-me cookie that logs nobody in any more (its session ended by a
    logout, a password change or a suspension, perhaps in another browser), and Flask-Login's
    bookkeeping in a visitor's session (left by that cookie, or once "You are logged out" is
    shown), so the browser stops sending them: its later requests are anonymous ones, with
    no new session cookie, served from the page cache. Only looks at a user the request
    already loaded."""
    user = g.get("_login_user")
    if user is None or user.is_authenticated or "_remember" in session:
        return response
    if session and set(session) <= _LOGIN_KEYS:
        session.clear()  # nothing but a dead login's leftovers: the cookie is deleted
    else:  # keep "_fresh": Flask-Login's session protection would only set it again
        for key in [key for key in ("_user_id", "_id") if key in session]:
            del session[key]
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if name in request.cookies:
        response.delete_cookie(
            name, path=current_app.config.get("REMEMBER_COOKIE_PATH", "/"),
            domain=current_app.config.get("REMEMBER_COOKIE_DOMAIN"),
            secure=current_app.config.get("REMEMBER_COOKIE_SECURE", False), httponly=True,
            samesite=current_app.config.get("REMEMBER_COOKIE_SAMESITE"))
    return response


@bp.route("/settings", methods=["GET", "POST"])
@login_required
@keep_input_when_limited(_settings_again)
@limits.password_check_per_ip
@limits.password_check_per_account
@limits.settings
def settings():
    profile = ProfileForm(prefix="profile", bio=current_user.bio)
    password = PasswordForm(prefix="password")
    status = 200
    if "profile-submit" in request.form:
        try:
            current_user.bio = services.read_bio(request.form, "profile-bio")
            cache_versions.touch(cache_versions.SITE)  # the profile shows it
        except Invalid as error:
            db.session.rollback()
            place_errors(profile, error)
        else:
            db.session.commit()
            flash("Your profile is saved.", "success")
            return redirect(url_for("auth.settings"))
    if "password-submit" in request.form:
        try:
            services.change_password(current_user, *services.read_password_change(
                request.form, "password-"))
        except Invalid as error:
            place_errors(password, error)
        else:
            db.session.commit()
            log.info("password changed: user=%s ip=%s", current_user.username,
                     request.remote_addr)
            flash("Your password is changed. Other devices and API tokens were signed out.",
                  "success")
            return redirect(url_for("auth.settings"))
    if profile.errors or password.errors:
        status = 422
    return settings_page(status, profile=profile, password=password)


@bp.post("/settings/tokens")
@login_required
@limits.settings
def create_token():
    """A named API token, shown once on the page this answers with (only its hash is kept, and
    the answer is never stored by a cache)."""
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():  # the CSRF token
        return settings_page(400, token_form=form)
    try:
        raw = services.create_named_token(current_user, form.name.data)
    except Invalid as error:
        place_errors(form, error)
        return settings_page(422, token_form=form)
    db.session.commit()
    log.info("token issued: user=%s ip=%s (settings)", current_user.username,
             request.remote_addr)
    page, status = settings_page(201, new_token=raw,
                                 new_token_name=services.read_token_name(form.name.data))
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/settings/tokens/<id:token_id>/revoke")
@login_required
@limits.settings
def revoke_token(token_id: int):
    if services.revoke_token(current_user, token_id):
        db.session.commit()
        flash("The token is revoked; clients using it must log in again.", "success")
    else:
        flash("That token was already revoked.", "info")
    return redirect(url_for("auth.settings") + "#tokens")
