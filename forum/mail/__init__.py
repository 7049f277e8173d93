"""Email, Indico's shape (STYLE.md): each feature's `notifications.py` decides who gets what
and declares its kinds here with `@email_kind`; its templates live in
`templates/<feature>/emails/`. `queue` and `queue_many` record deliveries in the database
(sent by a job after the commit); `message.build_message` builds every message and
`transport` sends it. Nothing else builds or sends mail.
"""

from forum.mail.delivery import queue, queue_many
from forum.mail.kinds import KINDS, SWITCHES, EmailKind, email_kind

__all__ = ["KINDS", "SWITCHES", "EmailKind", "email_kind", "queue", "queue_many"]
