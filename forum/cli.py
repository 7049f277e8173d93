"""The `forum` console script (SPEC.md §6): a Flask CLI group bound to the app factory, whose
commands (forum.commands) the app attaches itself."""

import click
from flask import Flask
from flask.cli import FlaskGroup

from forum.app import create_app


def main() -> None:
    """Entry point of the `forum` console script."""
    cli = FlaskGroup(create_app=create_cli_app, help="Forecast Forum's management commands.")
    cli.main(prog_name="forum")


def create_cli_app() -> Flask:
    """The app for a command; a configuration problem (production without SECRET_KEY) is
    reported as one line and exit status 1, not a traceback. Commands (migrations, score
    recomputes, demo data) may rightly run long statements: no statement timeout."""
    try:
        return create_app(DATABASE_STATEMENT_TIMEOUT=0)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
