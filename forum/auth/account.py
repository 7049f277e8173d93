"""Settings for the account's address, its notification emails, its data and its deletion."""

import logging

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField

from forum import limits
from forum.auth import accounts, bp, services
from forum.auth.routes import settings_page
from forum.errors import Invalid
from forum.extensions import db
from forum.forms import place_errors
from forum.mail import SWITCHES
from forum.mail.transport import development_mail_dir
from forum.permissions import ensure_can_write

log = logging.getLogger("forum")


class EmailChangeForm(FlaskForm):
    email = EmailField("New email address")
    password = PasswordField("Current password")


class NotificationsForm(FlaskForm):
    email_replies = BooleanField(SWITCHES["email_replies"])
    email_resolutions = BooleanField(SWITCHES["email_resolutions"])
    email_reminders = BooleanField(SWITCHES["email_reminders"])
    email_digest = BooleanField(SWITCHES["email_digest"])


class DeleteForm(FlaskForm):
    password = PasswordField("Your password")


class ButtonForm(FlaskForm):
    pass


def account_forms(forms: dict) -> dict:
    """Blank forms for the page, unless the request's own (with errors) is given."""
    from forum.auth.export import current_export

    forms.setdefault("email_form", EmailChangeForm(prefix="email", formdata=None))
    forms.setdefault("notifications_form", NotificationsForm(
        prefix="notify", formdata=None,
        **{name: getattr(current_user, name) for name in SWITCHES}))
    forms.setdefault("delete_form", DeleteForm(prefix="delete", formdata=None))
    forms["button_form"] = ButtonForm(formdata=None)
    forms["export"] = current_export(current_user)
    forms["mail_dir"] = development_mail_dir()
    return forms


@bp.post("/settings/email")
@login_required
@limits.account_email
def change_email():
    ensure_can_write(current_user)  # a suspended member changes nothing
    form = EmailChangeForm(prefix="email")
    try:
        new_email, password = services.read_required(request.form, {
            "email": "Enter the new address.", "password": "Enter your current password."},
            prefix="email-")
        new_email = accounts.request_email_change(current_user, password, new_email)
    except Invalid as error:
        db.session.rollback()
        place_errors(form, error)
    else:
        db.session.commit()
        log.info("email change requested: user=%s ip=%s", current_user.username,
                 request.remote_addr)
        flash(f"We sent a link to {new_email}. Your address changes when you follow it; "
              "until then the current one stays in force.", "success")
        return redirect(url_for("auth.settings") + "#email")
    return settings_page(422, email_form=form)


@bp.post("/settings/email/resend")
@login_required
@limits.account_email
def resend_email_change():
    ensure_can_write(current_user)  # a suspended member changes nothing
    if ButtonForm().validate_on_submit() and accounts.resend_email_change(current_user):
        db.session.commit()
        flash(f"We sent the link to {current_user.pending_email} again.", "success")
    else:
        flash("There is no address change waiting for its link.", "info")
    return redirect(url_for("auth.settings") + "#email")


@bp.post("/settings/notifications")
@login_required
@limits.account_settings
def notification_settings():
    ensure_can_write(current_user)  # a suspended member changes nothing
    form = NotificationsForm(prefix="notify")
    if not form.validate_on_submit():
        return settings_page(422, notifications_form=form)
    for name in SWITCHES:
        setattr(current_user, name, bool(getattr(form, name).data))
    db.session.commit()
    flash("Your email settings are saved.", "success")
    return redirect(url_for("auth.settings") + "#emails")


@bp.post("/settings/delete")
@login_required
@limits.account_delete
def delete_account():
    ensure_can_write(current_user)  # a suspended member changes nothing
    form = DeleteForm(prefix="delete")
    try:
        name = current_user.username
        password, = services.read_required(request.form, {
            "password": "Enter your password to delete the account."}, prefix="delete-")
        accounts.delete_account(current_user, password)
    except Invalid as error:
        db.session.rollback()
        place_errors(form, error)
    else:
        db.session.commit()
        log.info("account deleted: user=%s (was %s) ip=%s", current_user.username, name,
                 request.remote_addr)
        logout_user()
        flash("Your account is deleted. Your forecasts stay, under an anonymous name.",
              "info")
        return redirect(url_for("articles.home"))
    return settings_page(422, delete_form=form)
