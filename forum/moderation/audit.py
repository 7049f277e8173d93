"""The audit log: every moderator's and admin's action, with who, on what, why and when."""

from forum.extensions import db
from forum.models import AuditEntry, User

# action -> how the audit page names it
ACTIONS = {
    "resolve": "Resolved",
    "correct": "Corrected a resolution",
    "annul": "Annulled",
    "hide": "Hid",
    "restore": "Restored",
    "suspend": "Suspended",
    "unsuspend": "Lifted a suspension",
    "role": "Changed a role",
    "dismiss_flags": "Dismissed reports",
    "action_flags": "Acted on reports",
}


def record(actor: User | None, action: str, target_type: str, target_id: int, reason: str = "",
           **details) -> AuditEntry:
    """Append an audit entry in the caller's transaction (no actor: the server's operator)."""
    entry = AuditEntry(actor_id=actor.id if actor is not None else None, action=action, target_type=target_type,
                       target_id=target_id, reason=reason, details=details)
    db.session.add(entry)
    return entry
