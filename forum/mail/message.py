"""The one place a message is built: a plain-text part always, HTML when the kind has it,
with Date, Message-ID and the RFC 8058 unsubscribe headers."""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from flask import current_app
from jinja2 import TemplateNotFound

from forum import clock


def sender() -> str:
    return current_app.config.get("MAIL_FROM") or "Forecast Forum <noreply@localhost>"


def build_message(to: str, subject: str, text: str, html: str | None = None,
                  unsubscribe_url: str | None = None) -> EmailMessage:
    """An email ready to send. `unsubscribe_url` adds `List-Unsubscribe` and
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: a POST there turns the kind off."""
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # one line, whatever the template did
    message["Date"] = format_datetime(clock.now())
    domain = parseaddr(sender())[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text.strip() + "\n")
    if html:
        message.add_alternative(html, subtype="html")
    return message


def render(template_name: str, **context) -> tuple[str, str, str | None]:
    """(subject, text, html) from a feature's email template: `<feature>/emails/<kind>.txt`
    defines the `subject` block and extends `mail/base.txt`, whose body is the message; a
    `.html` beside it, when there is one, is the HTML part."""
    env = current_app.jinja_env
    template = env.get_template(template_name)
    subject = "".join(template.blocks["subject"](template.new_context(context))).strip()
    text = template.render(context)
    try:
        html_template = env.get_template(template_name.rsplit(".", 1)[0] + ".html")
    except TemplateNotFound:
        return subject, text, None
    return subject, text, html_template.render(context)


def address_of(email: str, name: str | None = None) -> str:
    """'name <email>' with the name quoted as needed."""
    if not name:
        return email
    user, _, domain = email.rpartition("@")
    return str(Address(display_name=name, username=user, domain=domain))
