"""Settings for the account's address, its notification emails, its data and its deletion."""

import logging

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required, logout_user

from forum import limits
from forum.auth import accounts, bp, services
from forum.auth.forms import (
    ButtonForm,
    DeleteForm,
    EmailChangeForm,
    NotificationsForm,
    TimeZoneForm,
)
from forum.auth.settings_page import settings_page
from forum.errors import Invalid
from forum.extensions import db
from forum.forms import place_errors
from forum.mail import SWITCHES
from forum.permissions import ensure_can_write
from forum.timezones import canonical_zone

log = logging.getLogger("forum")


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


@bp.post("/settings/time-zone")
@login_required
@limits.account_settings
def time_zone_settings():
    ensure_can_write(current_user)  # a suspended member changes nothing
    form = TimeZoneForm(prefix="zone")
    if not form.validate_on_submit():
        return settings_page(422, zone_form=form)
    current_user.time_zone = canonical_zone(form.time_zone.data)
    db.session.commit()
    flash(f"Dates and times are now shown in {current_user.time_zone}.", "success")
    return redirect(url_for("auth.settings") + "#time-zone")


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
