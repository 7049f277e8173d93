"""Small factories that build test data through the same services the app uses."""

from forum.extensions import db

DEFAULT_PASSWORD = "correct horse battery"

ARTICLE_TEXT = """---
title: "A Test Article About the Future"
slug: test-article
prompt: "What are your predictions? Share your thoughts below!"
---

The first paragraph says something worth predicting about the world.

## A Section Heading

A second paragraph, under a heading, with a passage readers may quote.
"""


def make_user(username="alice", role="member", password=DEFAULT_PASSWORD, email=None, **fields):
    """A committed user; extra fields (bio, suspended) are set directly."""
    from forum.auth.services import register_user

    user = register_user(username, email or f"{username.lower()}@example.com", password, role=role)
    for name, value in fields.items():
        setattr(user, name, value)
    db.session.commit()
    return user


def make_article(text=ARTICLE_TEXT, tmp_name="article.md"):
    """Import an article from text, as `forum articles import` would."""
    import tempfile
    from pathlib import Path

    from forum.articles.services import import_article

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / tmp_name
        path.write_text(text, encoding="utf-8")
        article, _ = import_article(path)
    db.session.commit()
    return article
