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
    """A committed user with a verified address (as `forum users create` makes them); extra
    fields (bio, suspended, email_verified_at=None for one awaiting activation) are set
    directly."""
    from forum.auth.services import register_user

    user = register_user(username, email or f"{username.lower()}@example.com", password, role=role,
                         verified=True)
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


def make_prediction(article, author, title="North Korea will hold a nuclear test in 2027",
                    criteria="Resolves yes if a credible source reports a test.",
                    probability=0.35, days_ahead=200, quote=None, created_at=None):
    """A prediction posted through the board's service; `created_at` backdates it (and the
    author's first forecast) for history tests."""
    from datetime import timedelta

    from forum import clock
    from forum.board.services import create_prediction
    from forum.board.validation import PredictionDraft
    from forum.models import Forecast

    draft = PredictionDraft(title=title, criteria=criteria, probability=probability,
                            resolution_date=clock.today() + timedelta(days=days_ahead),
                            quote=quote)
    prediction = create_prediction(article, author, draft)
    db.session.flush()
    if created_at is not None:
        prediction.created_at = created_at
        for forecast in db.session.query(Forecast).filter_by(prediction_id=prediction.id):
            forecast.created_at = created_at
    db.session.commit()
    return prediction


def make_forecast(prediction, user, probability, created_at=None):
    """A forecast through the service; `created_at` moves it in time afterwards (the crowd
    counters and the running totals are then made again, as if it had been made then)."""
    from forum import running
    from forum.board.services import add_forecast, refresh_crowd

    forecast = add_forecast(prediction, user, probability)
    if created_at is not None:
        forecast.created_at = created_at
        db.session.flush()
        refresh_crowd(prediction)
        running.rebuild(prediction)
    db.session.commit()
    return forecast


def make_comment(prediction, author, body="I think this is likely.", parent=None):
    from forum.comments.services import add_comment

    comment = add_comment(prediction, author, body, parent.id if parent else None)
    db.session.commit()
    return comment
