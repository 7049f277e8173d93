"""Links from account emails: activation, password reset, address confirmation and
unsubscribe. Each link opens a page with a button (a GET never changes anything); the POST
acts. A tampered or malformed link is a 400 page, an expired or used one a 410 page, and
neither changes anything."""

import logging

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField

from forum import limits, tokens
from forum.auth import accounts, bp, services
from forum.auth.forms import ButtonForm
from forum.auth.services import MIN_PASSWORD
from forum.errors import Invalid, error_page
from forum.extensions import csrf, db
from forum.forms import place_errors
from forum.mail import SWITCHES
from forum.mail.transport import development_mail_dir
from forum.tokens import TokenError

log = logging.getLogger("forum")


class ResetRequestForm(FlaskForm):
    email = EmailField("Email")


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", description=f"At least {MIN_PASSWORD} characters.")
    confirm = PasswordField("Confirm new password")


def link_error(error: TokenError):
    db.session.rollback()
    return error_page(error.status, error.message)


def check_email_page(what: str):
    """The same answer whoever owns the address: where the email went, in development."""
    folder = development_mail_dir() if current_app.config["FORUM_ENV"] != "production" else None
    return render_template("auth/check_email.html", what=what, mail_dir=folder)


@bp.route("/activate/<token>", methods=["GET", "POST"])
@limits.account_link
def activate(token: str):
    form = ButtonForm()
    try:
        if form.validate_on_submit():
            user = accounts.activate(token)
            db.session.commit()
            log.info("activated: user=%s ip=%s", user.username, request.remote_addr)
            flash("Your account is active. Log in to start forecasting.", "success")
            return redirect(url_for("auth.login"))
        payload = tokens.read("activate", token, accounts.notifications.ACTIVATION_MAX_AGE)
        user = accounts._user_from(payload)
        if user.is_verified:
            raise TokenError(410, "That link was used already: your account is active. Log in.")
    except TokenError as error:
        return link_error(error)
    return render_template("auth/link_button.html", form=form, title="Activate your account",
                           text=f"Activate the account {user.username} to log in.",
                           button="Activate my account")


@bp.post("/activate/resend")
@limits.account_email
def resend_activation():
    form = ButtonForm()
    if not form.validate_on_submit():
        return error_page(400, "That form has expired. Log in again to get a new one.")
    try:
        accounts.resend_activation(request.form.get("token", ""))
    except TokenError as error:
        return link_error(error)
    db.session.commit()
    return check_email_page("activation")


@bp.route("/reset-password", methods=["GET", "POST"])
@limits.account_email
def reset_request():
    form = ResetRequestForm()
    if request.method == "POST":
        try:
            email, = services.read_required(request.form, {"email": "Enter your email address."})
        except Invalid as error:
            place_errors(form, error)
        else:
            accounts.request_reset(email)
            db.session.commit()
            log.info("password reset requested: ip=%s", request.remote_addr)
            return check_email_page("reset")
    status = 422 if form.errors else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limits.account_link
def reset_password(token: str):
    form = NewPasswordForm()
    try:
        user = accounts.check_reset_token(token)
        if request.method == "POST":
            accounts.reset_password(token, services.read_new_password(request.form))
            db.session.commit()
            log.info("password reset: user=%s ip=%s", user.username, request.remote_addr)
            flash("Your password is set; every other session and API token has ended. "
                  "Log in with the new password.", "success")
            return redirect(url_for("auth.login"))
    except TokenError as error:
        return link_error(error)
    except Invalid as error:
        db.session.rollback()
        place_errors(form, error)
    status = 422 if form.errors else 200
    return render_template("auth/reset_password.html", form=form, user=user), status


@bp.route("/settings/email/confirm/<token>", methods=["GET", "POST"])
@limits.account_link
def confirm_email(token: str):
    form = ButtonForm()
    try:
        if form.validate_on_submit():
            user = accounts.confirm_email(token)
            db.session.commit()
            log.info("email changed: user=%s ip=%s", user.username, request.remote_addr)
            flash("Your new address is confirmed and in force.", "success")
            return redirect(url_for("auth.settings") if current_user.is_authenticated
                            else url_for("auth.login"))
        payload = tokens.read("change-email", token, accounts.notifications.EMAIL_CHANGE_MAX_AGE)
        user = accounts._user_from(payload)
        if user.pending_email != payload.get("new") or user.email != payload.get("old"):
            raise TokenError(410, "That link was used already, or a newer change replaced it.")
    except TokenError as error:
        return link_error(error)
    return render_template("auth/link_button.html", form=form, title="Confirm your new address",
                           text=f"Make {payload.get('new')} the address of {user.username}.",
                           button="Confirm this address")


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs with no cookie and no form token
@limits.unsubscribe
def unsubscribe(token: str):
    try:
        payload = tokens.read("unsubscribe", token, None)
        switch = payload.get("k")
        if switch not in SWITCHES:
            raise TokenError(400, "That link is not valid.")
        user = accounts._user_from(payload)
    except TokenError as error:
        return link_error(error)
    if request.method == "POST":
        setattr(user, switch, False)
        db.session.commit()
        log.info("unsubscribed: user=%s kind=%s", user.username, switch)
        return render_template("auth/unsubscribed.html", label=SWITCHES[switch])
    return render_template("auth/unsubscribe.html", label=SWITCHES[switch], token=token,
                           enabled=getattr(user, switch))
