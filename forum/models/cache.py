"""One shared counter that every write bumps, so every server's page cache knows it is stale."""

from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class CacheGeneration(db.Model):
    __tablename__ = "cache_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
