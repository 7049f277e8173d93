"""The settings page with every form on it: shown blank, or again with one form's errors by
whichever view handled that form (routes.py: profile and password; account.py: address,
notifications, deletion)."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from forum import clock
from forum.auth import services
from forum.auth.export import current_export
from forum.auth.forms import (
    ButtonForm,
    DeleteForm,
    EmailChangeForm,
    NotificationsForm,
    PasswordForm,
    ProfileForm,
    TimeZoneForm,
    TokenForm,
)
from forum.extensions import db
from forum.mail import SWITCHES
from forum.mail.transport import development_mail_dir
from forum.models import ApiToken
from forum.timezones import zone_names


def settings_page(status: int = 200, **forms):
    """The settings page; a form given here (with its errors) replaces the blank one."""
    forms.setdefault("profile", ProfileForm(prefix="profile", bio=current_user.bio,
                                            formdata=None))
    forms.setdefault("password", PasswordForm(prefix="password", formdata=None))
    forms.setdefault("token_form", TokenForm(prefix="token", formdata=None))
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id)
        .order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/settings.html", tokens=tokens,
                           max_tokens=services.MAX_TOKENS, **account_forms(forms)), status


def account_forms(forms: dict) -> dict:
    """Blank forms for the page, unless the request's own (with errors) is given."""
    forms.setdefault("email_form", EmailChangeForm(prefix="email", formdata=None))
    forms.setdefault("notifications_form", NotificationsForm(
        prefix="notify", formdata=None,
        **{name: getattr(current_user, name) for name in SWITCHES}))
    forms.setdefault("zone_form", TimeZoneForm(prefix="zone", formdata=None,
                                               time_zone=current_user.time_zone))
    forms["zone_names"], forms["zone_now"] = zone_names(), clock.now()
    forms.setdefault("delete_form", DeleteForm(prefix="delete", formdata=None))
    forms["button_form"] = ButtonForm(formdata=None)
    forms["export"] = current_export(current_user)
    forms["mail_dir"] = development_mail_dir()
    return forms
