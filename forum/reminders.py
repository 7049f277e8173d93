"""The scheduled emails (SPEC.md §9 Reminders): the worker runs `send_reminders` hourly and
`send_digests` daily; `forum reminders send` runs the first by hand. Each email has a dedupe
key (member, prediction or day, kind), so a run repeated, or run by two workers at once,
sends nothing twice."""

from huey import crontab

from forum import clock
from forum.board.notifications import closing_reminders, daily_digests
from forum.extensions import db
from forum.jobs import job
from forum.moderation.notifications import moderator_digest


@job("send_reminders", schedule=crontab(minute="5"))
def send_reminders() -> dict[str, int]:
    """Record every reminder due now; their sends are queued when this commits."""
    now = clock.now()
    counts = {"closing": closing_reminders(now), "moderators": moderator_digest(now)}
    db.session.commit()
    return counts


@job("send_digests", schedule=crontab(hour="7", minute="15"))
def send_digests() -> int:
    """The daily digest of activity on each member's own predictions."""
    count = daily_digests(clock.now())
    db.session.commit()
    return count
