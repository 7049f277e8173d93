"""Hosted articles, imported from Markdown files with YAML front matter."""

import re
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# "Share your thoughts in the comments below!", "Leave a comment": the article has no
# comments of its own; its question is answered on the board, so such sentences are dropped.
_POINTS_TO_COMMENTS = re.compile(r"\bcomment(s|ing)?\b", re.IGNORECASE)


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

    @property
    def question(self) -> str:
        """The prompt as the board asks it: without a sentence sending readers to comments,
        since answers are predictions on the board (the imported file keeps its words)."""
        sentences = [sentence for sentence in _SENTENCE_END.split(self.prompt.strip())
                     if not _POINTS_TO_COMMENTS.search(sentence)]
        return " ".join(sentences) or self.prompt

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"
