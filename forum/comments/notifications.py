"""Who hears about a comment by email: the author of the comment it replies to (unless they
switched reply emails off). In-app notices are made in services.py, as before."""

from forum.extensions import db
from forum.mail import email_kind, queue
from forum.models import Comment, User
from forum.site import absolute_url

EXCERPT = 1000


def reply_email(parent: Comment | None, comment: Comment, author: User) -> None:
    if parent is None or parent.author_id == author.id:
        return
    owner = db.session.get(User, parent.author_id)
    if owner is None or owner.is_deleted or not owner.email_replies:
        return
    queue("reply", user=owner, dedupe_key=f"reply:{comment.id}",
          params={"comment_id": comment.id})


@email_kind("reply", "comments/emails/reply.txt", switch="email_replies")
def _reply(delivery, user):
    comment = db.session.get(Comment, delivery.params.get("comment_id"))
    if comment is None or comment.deleted or comment.hidden or comment.prediction_id is None:
        return None
    from forum.models import Prediction

    prediction = db.session.get(Prediction, comment.prediction_id)
    if prediction is None or prediction.hidden:
        return None
    body = comment.body if len(comment.body) <= EXCERPT else comment.body[:EXCERPT] + "…"
    return {"comment": comment, "author": comment.author.username, "prediction": prediction,
            "body": body, "link": absolute_url("board.show", prediction_id=prediction.id,
                                               _anchor=f"comment-{comment.id}")}
