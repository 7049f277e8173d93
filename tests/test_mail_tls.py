"""MAIL_URL's three transports against a real SMTP server: plain `smtp://`, STARTTLS
(`smtp+starttls://`, with a login) and implicit TLS (`smtps://`), the certificate checked."""

import ssl
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from forum.extensions import db
from forum.mail import queue
from forum.models import EmailDelivery
from tests.factories import make_user
from tests.mail_support import Inbox, run_jobs, text_of
from tests.servers import free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, trusted through SSL_CERT_FILE."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


class Logins:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"s3cret/pass")


def send_one(make_app, url: str) -> EmailDelivery:
    app = make_app(MAIL_URL=url)
    with app.app_context():
        delivery_id = queue("reset_password", user=make_user("alice"))
        db.session.commit()
        run_jobs(app)
        db.session.commit()
        return db.session.get(EmailDelivery, delivery_id)


def test_starttls_with_a_login(make_app, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    inbox, logins, port = Inbox(), Logins(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context(certificate), require_starttls=True,
                            authenticator=logins, auth_required=True)
    controller.start()
    try:
        row = send_one(make_app, f"smtp+starttls://mailer%40example.org:s3cret%2Fpass@127.0.0.1:{port}")
        assert row.status == "sent", row.last_error
        [message] = inbox.wait_for(1)
        assert "/reset-password/" in text_of(message)
        assert logins.seen == [("mailer@example.org", "s3cret/pass")]
    finally:
        controller.stop()


def test_implicit_tls(make_app, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            ssl_context=server_context(certificate))
    controller.start()
    try:
        row = send_one(make_app, f"smtps://127.0.0.1:{port}")
        assert row.status == "sent", row.last_error
        inbox.wait_for(1)
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_refused_and_retried_not_sent(make_app, certificate,
                                                                   monkeypatch, tmp_path):
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            ssl_context=server_context(certificate))
    controller.start()
    try:
        row = send_one(make_app, f"smtps://127.0.0.1:{port}")
        assert row.status == "queued" and "CERTIFICATE_VERIFY_FAILED" in row.last_error
        assert inbox.messages == []
    finally:
        controller.stop()


@pytest.mark.parametrize("setting, url", [
    ("MAIL_URL", "http://mail.example.org"),
    ("MAIL_URL", "smtp://"),
    ("MAIL_URL", "smtp://host:notaport"),
    ("JOBS_URL", "postgresql://db/jobs"),
])
def test_a_bad_mail_or_jobs_url_stops_the_app_at_start_with_a_clear_message(setting, url):
    from config import TestConfig
    from forum.app import create_app

    with pytest.raises(RuntimeError, match=setting):
        create_app(TestConfig, **{setting: url})
