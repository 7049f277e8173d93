"""Account forms; the rules themselves live in services.py (its readers)."""

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    TextAreaField,
    ValidationError,
)

from forum.auth.services import MIN_PASSWORD, USERNAME_RULE
from forum.mail import SWITCHES
from forum.timezones import zone_problem

PASSWORD_HINT = f"At least {MIN_PASSWORD} characters."


# The forms render the fields, keep what was typed and carry the CSRF token; the rules are the
# readers' in forum.auth.services (forum.forms describes the idiom).

class LoginForm(FlaskForm):
    username = StringField("Username")
    password = PasswordField("Password")
    remember = BooleanField("Remember me on this device")
    next = HiddenField()


def login_form_data() -> MultiDict | None:
    """What a login submission carries: the form body, or the string fields of a JSON object
    sent as application/json (anything else carries nothing). The login view and the
    per-account rate limit both read the body through this, so they always agree."""
    if request.form:
        return request.form
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # nested thousands deep
            data = None
        if isinstance(data, dict):
            return MultiDict({key: value for key, value in data.items()
                              if isinstance(value, str)})
    return None


def read_login_form() -> LoginForm:
    """The login form, filled from this request."""
    return LoginForm(formdata=login_form_data(), next=request.args.get("next", ""))


class RegisterForm(FlaskForm):
    username = StringField("Username", description=USERNAME_RULE)
    email = EmailField("Email", description="Never shown to anyone.")
    password = PasswordField("Password", description=PASSWORD_HINT)
    confirm = PasswordField("Confirm password")


class ProfileForm(FlaskForm):
    bio = TextAreaField("Bio", description="A line or two about you; shown on your profile.")


class TokenForm(FlaskForm):
    """Naming a new API token; the name is checked by services.read_token_name."""

    name = StringField("Name", description="What will use it, e.g. “my forecasting script”; "
                                           "1–60 characters.")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password")
    new_password = PasswordField("New password", description=PASSWORD_HINT)
    confirm = PasswordField("Confirm new password")


class EmailChangeForm(FlaskForm):
    email = EmailField("New email address")
    password = PasswordField("Current password")


class NotificationsForm(FlaskForm):
    email_replies = BooleanField(SWITCHES["email_replies"])
    email_resolutions = BooleanField(SWITCHES["email_resolutions"])
    email_reminders = BooleanField(SWITCHES["email_reminders"])
    email_digest = BooleanField(SWITCHES["email_digest"])
    email_moderation = BooleanField(SWITCHES["email_moderation"])


class TimeZoneForm(FlaskForm):
    time_zone = StringField("Time zone", description=(
        "Dates and times on every page are shown in this zone. An IANA name such as "
        "Europe/Paris, America/New_York or Asia/Tokyo; UTC by default."))

    def validate_time_zone(self, field) -> None:
        if problem := zone_problem(field.data):
            raise ValidationError(problem)


class DeleteForm(FlaskForm):
    password = PasswordField("Your password")


class ButtonForm(FlaskForm):
    """A form that is only a button (and its CSRF token)."""
