"""The `forum` commands (SPEC.md §6), attached to the app by `create_app`; the console script
that runs them is forum.cli."""

import sys

import click
from flask import Flask
from flask.cli import with_appcontext

from forum.errors import Invalid
from forum.extensions import db
from forum.models import ROLES


def fail(message: str) -> None:
    """Print an error and exit non-zero."""
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


@click.command("seed")
@with_appcontext
def seed_command():
    """Import the bundled article(s); running it again changes nothing."""
    from forum.articles.services import bundled_articles

    files = bundled_articles()
    if not files:
        fail("the content folder has no article files.")
    for path in files:
        article, created = import_or_fail(path)
        click.echo(f"{'Imported' if created else 'Up to date'}: {article.slug}")


def import_or_fail(path):
    """Import one article file and commit; a bad file is a one-line error, nothing stored."""
    from forum.articles.services import ArticleFileError, import_article

    try:
        article, created = import_article(path)
    except ArticleFileError as error:
        db.session.rollback()
        fail(str(error))
    db.session.commit()
    return article, created


@click.group("articles")
def articles_group():
    """Manage hosted articles."""


@articles_group.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def import_article_command(path: str):
    """Import or update an article from a Markdown file with YAML front matter."""
    article, created = import_or_fail(path)
    click.echo(f"{'Imported' if created else 'Updated'} article {article.slug!r}: {article.title}")


@click.group("users")
def users_group():
    """Manage members and roles."""


def role_name(_context, _parameter, role: str) -> str:
    """A role named on the command line; any other word is a one-line error (SPEC.md §6)."""
    if role not in ROLES:
        fail(f"unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    return role


@users_group.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The member's email address.")
@click.option("--password", help="Prompted for, hidden, when not given.")
@click.option("--role", default="member", show_default=True, callback=role_name,
              help=f"One of {', '.join(ROLES)}.")
@with_appcontext
def create_user_command(username: str, email: str, password: str | None, role: str):
    """Create a member (or moderator, or admin)."""
    from forum.auth.services import register_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = register_user(username, email, password, role=role, verified=True)
    except Invalid as error:
        db.session.rollback()
        fail("; ".join(f"{field}: {' '.join(messages)}"
                       for field, messages in error.fields.items()))
    db.session.commit()
    click.echo(f"Created {user.role} {user.username}.")


@users_group.command("set-role")
@click.argument("username")
@click.argument("role", callback=role_name)
@with_appcontext
def set_role_command(username: str, role: str):
    """Give a member the role member, moderator or admin (written to the audit log)."""
    from forum.auth.services import find_user
    from forum.moderation.services import set_role_from_console

    user = find_user(username)
    if user is None:
        fail(f"no user named {username!r}.")
    changed = set_role_from_console(user, role)
    db.session.commit()
    click.echo(f"{user.username} is now {role}." if changed else
               f"{user.username} is already {role}.")


@click.group("scores")
def scores_group():
    """Scores of resolved predictions."""


@scores_group.command("recompute")
@with_appcontext
def recompute_scores_command():
    """Rebuild every score row from the forecasts and resolutions (same rows when right)."""
    import time

    from forum.scores import recompute

    started = time.perf_counter()
    summary = recompute()
    db.session.commit()
    click.echo(f"Recomputed {summary.rows} scores in {time.perf_counter() - started:.2f} s "
               f"({summary.inserted} inserted, {summary.updated} updated, "
               f"{summary.deleted} deleted).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str):
    """Back up the database to PATH (SQLite online backup; pg_dump for PostgreSQL)."""
    from flask import current_app

    from forum.backup import BackupError, backup

    try:
        written = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        fail(str(error))
    click.echo(f"Backed up to {written}.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
@with_appcontext
def restore_command(path: str, yes: bool):
    """Replace the SQLite database with a backup made by `forum backup` (stop servers first)."""
    from flask import current_app

    from forum.backup import BackupError, restore

    if not yes:
        click.confirm("This replaces every row in the database. Continue?", abort=True)
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        fail(str(error))
    click.echo(f"Restored from {path}.")


@click.command("export")
@click.option("--article", "slug", required=True, help="The article's slug.")
@click.option("--out", required=True, type=click.Path(file_okay=True, dir_okay=True),
              help="The folder to write the dataset into (made if needed).")
@with_appcontext
def export_command(slug: str, out: str):
    """Write an article's open dataset (SPEC.md §10) into a folder."""
    from pathlib import Path

    from forum.open_data.export import ExportError, export_dataset

    try:
        names = export_dataset(slug, Path(out))
    except ExportError as error:
        fail(str(error))
    click.echo(f"Wrote {len(names)} files to {out}: {', '.join(names)}.")


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once.")
@with_appcontext
def worker_command(threads: int):
    """Run background jobs (emails, reminders, exports, periodic tasks) until stopped."""
    import logging

    from flask import current_app

    from forum.jobs import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("forum").setLevel(logging.INFO)
    click.echo(f"Worker: jobs from {current_app.config.get('JOBS_URL') or 'instance/jobs.db'}, "
               f"mail to {current_app.config.get('MAIL_URL') or 'instance/mail/'}.")
    run_worker(current_app._get_current_object(), threads)


@click.group("reminders")
def reminders_group():
    """Reminder emails (the worker also sends them on a schedule)."""


@reminders_group.command("send")
@with_appcontext
def send_reminders_command():
    """Queue every reminder due now; running it again sends nothing twice."""
    from forum.reminders import send_reminders

    counts = send_reminders()
    click.echo(f"Queued {counts['closing']} closing-soon reminders and "
               f"{counts['moderators']} moderator digests; the worker sends them.")


@click.group("jobs")
def jobs_group():
    """Background jobs and email deliveries."""


@jobs_group.command("status")
@click.option("--failed", default=10, show_default=True, help="Failed emails to list.")
@with_appcontext
def jobs_status_command(failed: int):
    """Show the queue (waiting and scheduled jobs) and the emails by status, with the latest
    failures and their errors."""
    from flask import current_app
    from sqlalchemy import func, select

    from forum.models import EmailDelivery

    huey = current_app.extensions["jobs"].huey
    click.echo(f"Queue: {huey.pending_count()} waiting, {huey.scheduled_count()} scheduled "
               f"(retries and delayed jobs).")
    counts = dict(db.session.execute(select(EmailDelivery.status, func.count())
                                     .group_by(EmailDelivery.status)).all())
    click.echo("Emails: " + ", ".join(f"{counts.get(status, 0)} {status}" for status in
                                      ("queued", "sending", "sent", "failed", "skipped")))
    rows = db.session.scalars(select(EmailDelivery).where(EmailDelivery.status == "failed")
                              .order_by(EmailDelivery.id.desc()).limit(failed)).all()
    for row in rows:
        click.echo(f"  failed #{row.id} {row.kind} after {row.attempts} attempts: "
                   f"{row.last_error[:200]}")


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    from forum.demo_data.command import demo_data_command

    for command in (seed_command, articles_group, users_group, scores_group, backup_command,
                    restore_command, demo_data_command, export_command, worker_command,
                    reminders_group, jobs_group):
        app.cli.add_command(command)
