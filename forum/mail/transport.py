"""The one place a message is sent, to where MAIL_URL says: SMTP (plain, STARTTLS or implicit
TLS), or, with MAIL_URL unset, an `.eml` file in `instance/mail/` whose path is logged."""

import contextlib
import functools
import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger("forum")

SCHEMES = ("smtp", "smtp+starttls", "smtps")
SMTP_TIMEOUT = 20  # seconds; a server that never answers must not hold a job forever


class MailConfigError(ValueError):
    pass


@functools.cache
def local_hostname() -> str:
    """The name this machine greets SMTP servers with (looked up once: it can be slow)."""
    return socket.getfqdn()


def mail_dir() -> Path:
    """Where emails are written when MAIL_URL is unset."""
    configured = current_app.config.get("MAIL_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


def file_name(delivery_id: int) -> str:
    return f"{delivery_id:06d}.eml"


class FileTransport:
    """Development: each email becomes `<instance>/mail/<delivery id>.eml`."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage, name: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)  # a reader never sees half a file
        log.info("email written: %s (to %s)", path, message["To"])
        return str(path)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for a batch."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise MailConfigError(
                f"MAIL_URL must be smtp://, smtp+starttls:// or smtps:// with a host; "
                f"got {parts.scheme or 'no'} scheme.")
        try:
            port = parts.port
        except ValueError:
            raise MailConfigError("MAIL_URL's port must be a number.") from None
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = port or (465 if parts.scheme == "smtps" else 587
                                   if parts.scheme == "smtp+starttls" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context() if self.scheme != "smtp" else None
        if self.scheme == "smtps":
            connection = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT,
                                          context=context, local_hostname=local_hostname())
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT,
                                      local_hostname=local_hostname())
            if self.scheme == "smtp+starttls":
                connection.starttls(context=context)
        if self.username:
            connection.login(self.username, self.password or "")
        return connection

    def send(self, message: EmailMessage, name: str) -> str:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException):
            self.close()  # the next message opens a fresh connection
            raise
        return f"{self.scheme}://{self.host}:{self.port}"

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
            self.connection = None


def open_transport():
    """The transport MAIL_URL names (a file folder when it is unset)."""
    url = current_app.config.get("MAIL_URL")
    if not url:
        return FileTransport(mail_dir())
    return SmtpTransport(url)


def development_mail_dir() -> str | None:
    """The folder development emails go to, for pages to mention; None when MAIL_URL is set."""
    return None if current_app.config.get("MAIL_URL") else str(mail_dir())
