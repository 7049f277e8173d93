"""Hosted articles, imported from Markdown files with YAML front matter."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db


class Article(db.Model):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)  # Markdown source
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised
    body_text: Mapped[str] = mapped_column(Text)  # plain text, whitespace collapsed (quotes match it)
    prompt: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=lambda: clock.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=lambda: clock.now())
    prediction_count: Mapped[int] = mapped_column(default=0)  # visible predictions

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"
