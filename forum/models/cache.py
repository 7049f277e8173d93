"""The versions every cache is keyed by (forum/cache_versions.py): one row per scope, its
counter raised by the transactions that change what the scope's pages show."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
