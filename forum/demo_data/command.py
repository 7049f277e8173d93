"""The `forum demo-data` command (SPEC.md §6), registered by forum.commands."""

import time

import click
from flask.cli import with_appcontext

from forum.demo_data.generate import DemoDataError, DemoSizes, generate
from forum.demo_data.people import ADMIN, DEMO_PASSWORD, MEMBER
from forum.extensions import db

_DEFAULTS = DemoSizes()


@click.command("demo-data")
@click.option("--users", default=_DEFAULTS.users, show_default=True, type=int)
@click.option("--predictions", default=_DEFAULTS.predictions, show_default=True, type=int)
@click.option("--forecasts", default=_DEFAULTS.forecasts, show_default=True, type=int,
              help="All forecasts, each prediction's first (its author's) included.")
@click.option("--comments", default=_DEFAULTS.comments, show_default=True, type=int)
@click.option("--seed", default=_DEFAULTS.seed, show_default=True, type=int,
              help="The same seed gives the same rows.")
@with_appcontext
def demo_data_command(users: int, predictions: int, forecasts: int, comments: int, seed: int):
    """Fill the database with realistic synthetic data, for demos and benchmarks."""
    started = time.perf_counter()
    try:
        summary = generate(DemoSizes(users, predictions, forecasts, comments, seed))
        db.session.commit()
    except DemoDataError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    made = ", ".join(f"{count:,} {name}" for name, count in summary.counts.items())
    fates = ", ".join(f"{count:,} {fate}" for fate, count in sorted(summary.statuses.items()))
    click.echo(f"Made {made}.")
    click.echo(f"Predictions: {fates}; the busiest holds {summary.busiest_share:.1%} of the "
               f"forecasts. Data runs up to {summary.anchor:%Y-%m-%d}.")
    click.echo(f"Took {time.perf_counter() - started:.1f} s (planning "
               f"{summary.generate_seconds:.1f} s, inserting {summary.insert_seconds:.1f} s).")
    click.echo(f"Every demo member's password is {DEMO_PASSWORD!r}; try {MEMBER} "
               f"(the most active member) or {ADMIN} (an admin).")
