"""Writing and reading comment threads. The caller commits."""

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from forum import clock
from forum.board.validation import has_control_characters
from forum.comments.notifications import reply_email
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.markdown import render_user_markdown
from forum.models import Comment, Prediction, User
from forum.notifications.services import notify
from forum.permissions import ensure_can_write

BODY_LENGTH = (1, 10000)
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def read_body(value) -> str:
    """A comment body: 1–10000 characters of Markdown."""
    high = BODY_LENGTH[1]
    if not isinstance(value, str) or not value.strip():
        raise Invalid({"body": ["Write something first."]})
    body = value.strip()
    if has_control_characters(body):
        raise Invalid({"body": ["Remove the control characters (such as NUL) from the text."]})
    if len(body) > high:
        raise Invalid({"body": [(f"Keep comments under {high:,} characters (you have "
                                 f"{len(body):,}).")]})
    return body


def read_parent_id(value) -> int | None:
    """The comment replied to: None, or a positive id (an unknown id fails later, in add_comment)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise Invalid({"parent_id": ["parent_id must be a comment id (a whole number)."]})
    return value


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


def get_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id) if 0 < comment_id <= MAX_ID else None
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def edit_comment(comment: Comment, user: User, body: str) -> None:
    """The author rewrites their comment; it is marked edited."""
    ensure_can_write(user)
    if comment.author_id != user.id:
        raise Forbidden("You can only edit your own comments.")
    if comment.deleted or comment.hidden:
        raise Conflict("This comment was removed, so it can't be edited.")
    if body != comment.body:
        comment.body, comment.body_html = body, render_user_markdown(body)
        comment.edited_at = clock.now()


def delete_comment(comment: Comment, user: User) -> None:
    """The author removes their comment; replies keep their place under it."""
    ensure_can_write(user)
    if comment.author_id != user.id:
        raise Forbidden("You can only delete your own comments.")
    if comment.deleted:
        return
    comment.deleted = True
    comment.body, comment.body_html = "", ""
    comment.edited_at = clock.now()
    db.session.flush()
    refresh_comment_count(comment.prediction_id)


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
