"""Account forms; the rules themselves live in services.py."""

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from forum.auth import services
from forum.auth.services import MAX_PASSWORD, MIN_PASSWORD, USERNAME_RULE
from forum.text import prose_problem

PASSWORD_HINT = f"At least {MIN_PASSWORD} characters."


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username."),
                                                   Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."),
                                                     Length(max=MAX_PASSWORD)])
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
    username = StringField(
        "Username", description=USERNAME_RULE,
        validators=[DataRequired("Choose a username."), Length(max=100)],
    )
    email = EmailField(
        "Email", description="Never shown to anyone.",
        validators=[DataRequired("Enter your email address."), Length(max=254),
                    Email("That doesn't look like an email address.",
                          check_deliverability=False)],
    )
    password = PasswordField(
        "Password", description=PASSWORD_HINT,
        validators=[DataRequired("Choose a password."),
                    Length(MIN_PASSWORD, MAX_PASSWORD,
                           f"Use {MIN_PASSWORD}–{MAX_PASSWORD} characters.")],
    )
    confirm = PasswordField(
        "Confirm password",
        validators=[DataRequired("Type the password again."),
                    EqualTo("password", "The two passwords don't match.")],
    )

    # The service checks these again when it creates the user (the CLI and races need that);
    # checking them here too shows every problem at once instead of one submission at a time.
    def validate_username(self, field) -> None:
        username = services.normalize_username(field.data)
        if problems := services.username_errors(username):
            raise ValidationError(problems[0])
        if services.find_user(username):
            raise ValidationError("That username is taken.")

    # No check that the email is free: a taken address gets the same answer as a new one
    # (SPEC.md §9), so the form reveals no address.


class ProfileForm(FlaskForm):
    bio = TextAreaField("Bio", description="A line or two about you; shown on your profile.",
                        validators=[Length(max=1000, message="Keep it under 1,000 characters.")])

    def validate_bio(self, field) -> None:
        if problem := prose_problem(field.data or ""):  # PostgreSQL can't store NUL
            raise ValidationError(problem)


class TokenForm(FlaskForm):
    """Naming a new API token; the name is checked by services.read_token_name."""

    name = StringField("Name", description="What will use it, e.g. “my forecasting script”; "
                                           "1–60 characters.")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField(
        "New password", description=PASSWORD_HINT,
        validators=[DataRequired("Choose a new password."),
                    Length(MIN_PASSWORD, MAX_PASSWORD,
                           f"Use {MIN_PASSWORD}–{MAX_PASSWORD} characters.")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Type the new password again."),
                    EqualTo("new_password", "The two passwords don't match.")],
    )
