"""Every model, imported here so Alembic and `db.create_all()` see the whole schema."""

from forum.models.article import Article
from forum.models.cache import CacheVersion
from forum.models.export import DataExport
from forum.models.mail import EmailDelivery
from forum.models.moderation import AuditEntry, Flag, Notification, Resolution
from forum.models.prediction import Forecast, Prediction, PredictionRevision
from forum.models.score import RunningTotals, RunningWindow, Score
from forum.models.social import Comment, Vote
from forum.models.user import ROLES, ApiToken, LoginSession, User, token_digest

__all__ = [
    "ROLES", "ApiToken", "Article", "AuditEntry", "CacheVersion", "Comment", "DataExport", "EmailDelivery", "Flag", "Forecast", "LoginSession",
    "Notification", "Prediction", "PredictionRevision", "Resolution", "RunningTotals",
    "RunningWindow", "Score", "User", "Vote",
    "token_digest",
]
