"""Where the `forum` logger's lines go: the security events (logins, failed logins, token
grants, registrations, password changes, 403s, 429s, CSRF failures) and the errors.

Under gunicorn they join gunicorn's error log (its handlers, its format, its `--log-level`);
anywhere else (`forum run`, the CLI) a StreamHandler on stderr writes INFO and up. Without
this, Python's last-resort handler printed warnings only, and every INFO line was lost.
"""

import logging

from flask import Flask

_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s"


def configure_logging(app: Flask) -> None:
    """Give the `forum` logger a handler once per process (tests keep pytest's capture)."""
    log = logging.getLogger("forum")
    if app.testing or log.handlers:
        return
    gunicorn = logging.getLogger("gunicorn.error")
    if gunicorn.handlers:
        for handler in gunicorn.handlers:
            log.addHandler(handler)
        log.setLevel(gunicorn.level)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    log.propagate = False  # one line each, never again through a root handler
