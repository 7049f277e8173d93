"""Writing and reading comment threads. The caller commits."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import cache_versions, clock
from forum.comments.notifications import reply_email
from forum.errors import Conflict, Invalid, NotFound
from forum.extensions import db
from forum.forms import declare_limits
from forum.markdown import render_user_markdown
from forum.models import Comment, Prediction, User
from forum.notifications.services import notify
from forum.params import read_id
from forum.permissions import ensure_can_change, ensure_can_write
from forum.text import prose_problem

BODY_LENGTH = (1, 10000)
declare_limits(comment=BODY_LENGTH[1])


def read_body(value) -> str:
    """A comment body: 1–10000 characters of Markdown."""
    high = BODY_LENGTH[1]
    if not isinstance(value, str) or not value.strip():
        raise Invalid({"body": ["Write something first."]})
    body = value.strip()
    if problem := prose_problem(body):
        raise Invalid({"body": [problem]})
    if len(body) > high:
        raise Invalid({"body": [(f"Keep comments under {high:,} characters (you have "
                                 f"{len(body):,}).")]})
    return body


def read_parent_id(value) -> int | None:
    """The comment replied to: None, or a positive id (an unknown id fails later, in add_comment)."""
    if value is None or value == "":
        return None
    parent_id = read_id(value)
    if parent_id is None:
        raise Invalid({"parent_id": ["parent_id must be a comment id (a whole number)."]})
    return parent_id


def add_comment(prediction: Prediction, author: User, body: str, parent_id=None) -> Comment:
    """Comment on a prediction, or reply to one of its comments; notifies who it concerns."""
    ensure_can_write(author)
    if prediction.hidden:
        raise NotFound("This prediction was removed by a moderator.")
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.prediction_id != prediction.id:
            raise Invalid({"parent_id": ["That comment isn't in this prediction's thread."]})
        if parent.deleted or parent.hidden:
            raise Conflict("That comment was removed, so it can't be replied to.")
    comment = Comment(prediction_id=prediction.id, author_id=author.id, parent_id=parent_id,
                      body=body, body_html=render_user_markdown(body), created_at=clock.now())
    db.session.add(comment)
    db.session.flush()
    refresh_comment_count(prediction.id)
    cache_versions.touch(*cache_versions.of_prediction(prediction.id))
    _notify_thread(prediction, parent, comment, author)
    reply_email(parent, comment, author)
    return comment


def _notify_thread(prediction: Prediction, parent: Comment | None, comment: Comment,
                   author: User) -> None:
    title = prediction.title if len(prediction.title) <= 80 else prediction.title[:77] + "…"
    if parent is not None:
        notify(parent.author_id, kind="reply", event_key=f"reply:{comment.id}",
               actor_id=author.id, prediction_id=prediction.id, comment_id=comment.id,
               message=f"{author.username} replied to your comment on “{title}”.")
    if parent is None or parent.author_id != prediction.author_id:
        notify(prediction.author_id, kind="comment", event_key=f"comment:{comment.id}",
               actor_id=author.id, prediction_id=prediction.id, comment_id=comment.id,
               message=f"{author.username} commented on your prediction “{title}”.")


def refresh_comment_count(prediction_id: int) -> None:
    """The prediction's comment count: comments neither deleted nor hidden.

    The row is locked by a statement of its own before counting. On PostgreSQL a statement
    that waits for a row lock still reads with the snapshot it started with, so counting in
    the same UPDATE missed a comment committed by the writer it waited for (two comments at
    once counted as one); the count below starts after the lock, and sees it."""
    db.session.execute(
        update(Prediction).where(Prediction.id == prediction_id)
        .values(comment_count=Prediction.comment_count)
        .execution_options(synchronize_session=False)
    )
    count = select(func.count(Comment.id)).where(
        Comment.prediction_id == prediction_id, Comment.deleted.is_(False),
        Comment.hidden.is_(False),
    ).scalar_subquery()
    db.session.execute(
        update(Prediction).where(Prediction.id == prediction_id).values(comment_count=count)
        .execution_options(synchronize_session=False)
    )


def edit_comment(comment: Comment, user: User, body: str) -> None:
    """The author rewrites their comment; it is marked edited. A hidden one is frozen."""
    ensure_can_change(user, comment, "comment")
    if comment.deleted:
        raise Conflict("This comment was deleted, so it can't be edited.")
    if body != comment.body:
        _change_unless_hidden(comment, user, body=body, body_html=render_user_markdown(body),
                              edited_at=clock.now())


def delete_comment(comment: Comment, user: User) -> None:
    """The author removes their comment; replies keep their place under it. A hidden one is
    frozen: the moderators keep the evidence."""
    ensure_can_change(user, comment, "comment")
    if comment.deleted:
        return
    _change_unless_hidden(comment, user, deleted=True, body="", body_html="",
                          edited_at=clock.now())
    refresh_comment_count(comment.prediction_id)


def _change_unless_hidden(comment: Comment, user: User, **values) -> None:
    """The author's change, in one UPDATE guarded by `hidden = false`, so a moderator hiding
    the comment at the same moment wins: the change is refused with the reason."""
    changed = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.hidden.is_(False),
                              Comment.deleted.is_(False))
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    cache_versions.touch(*cache_versions.of_prediction(comment.prediction_id))
    db.session.refresh(comment)
    if not changed:
        ensure_can_change(user, comment, "comment")  # hidden meanwhile: frozen
        raise Conflict("This comment was deleted, so it can't be changed.")


def comments_of(prediction_id: int) -> list[Comment]:
    """Every comment on a prediction, oldest first, with authors (one query)."""
    return list(db.session.scalars(
        select(Comment).options(joinedload(Comment.author))
        .where(Comment.prediction_id == prediction_id)
        .order_by(Comment.created_at, Comment.id)
    ))


@dataclass
class ThreadNode:
    comment: Comment
    replies: list["ThreadNode"] = field(default_factory=list)


def build_thread(comments: list[Comment]) -> list[ThreadNode]:
    """Nest comments under their parents, keeping the oldest-first order at each level."""
    nodes = {comment.id: ThreadNode(comment) for comment in comments}
    roots = []
    for comment in comments:
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        (parent.replies if parent else roots).append(nodes[comment.id])
    return roots


def thread_size(node: ThreadNode) -> int:
    """How many comments a thread holds, its first comment included."""
    return 1 + sum(thread_size(reply) for reply in node.replies)


def first_threads(roots: list[ThreadNode], budget: int) -> list[ThreadNode]:
    """The oldest whole threads holding about `budget` comments (at least one thread), so a
    long discussion opens light and the rest is a link away; a thread is never cut."""
    shown, count = [], 0
    for root in roots:
        if shown and count + thread_size(root) > budget:
            break
        shown.append(root)
        count += thread_size(root)
    return shown
