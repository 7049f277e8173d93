"""What a viewer may read: the one place where hidden content is kept from members.

Every page, API route, feed and form that reaches a prediction, a comment, a resolution or a
notification by its id loads it through a function here, with the viewer; lists filter with
`shown_to`. A prediction a moderator hid is 404 to members and visitors everywhere (and so are
its comments, its resolutions and notifications about it); moderators see it
(forum.permissions.may_see_hidden). A hidden *comment* keeps its place in a visible thread as
"[removed by a moderator]", without its text."""

from sqlalchemy import select, true
from sqlalchemy.orm import joinedload

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Comment, Notification, Prediction, Resolution
from forum.params import MAX_ID
from forum.permissions import may_see_hidden


def shown_to(viewer):
    """SQL: the prediction (the `Prediction` entity of the query) is visible to the viewer."""
    return true() if may_see_hidden(viewer) else Prediction.hidden.is_(False)


def prediction_visible(prediction: Prediction | None, viewer) -> bool:
    return prediction is not None and (not prediction.hidden or may_see_hidden(viewer))


def _get(model, row_id: int):
    return db.session.get(model, row_id) if isinstance(row_id, int) and 0 < row_id <= MAX_ID \
        else None


def load_prediction(prediction_id: int, viewer) -> Prediction:
    """One prediction with its author and article; NotFound when missing or hidden from the
    viewer."""
    prediction = None
    if isinstance(prediction_id, int) and 0 < prediction_id <= MAX_ID:
        prediction = db.session.scalar(
            select(Prediction)
            .options(joinedload(Prediction.author), joinedload(Prediction.article))
            .where(Prediction.id == prediction_id)
        )
    if not prediction_visible(prediction, viewer):
        raise NotFound("No such prediction.")
    return prediction


def load_comment(comment_id: int, viewer) -> tuple[Comment, Prediction]:
    """A comment and its prediction; NotFound when either is missing or the prediction is
    hidden from the viewer (the comment itself may be hidden: it shows as removed)."""
    return _with_prediction(Comment, comment_id, viewer, "No such comment.")


def load_resolution(resolution_id: int, viewer) -> tuple[Resolution, Prediction]:
    """An entry of a resolution log and its prediction; NotFound as for comments."""
    return _with_prediction(Resolution, resolution_id, viewer, "No such resolution.")


def _with_prediction(model, row_id: int, viewer, missing: str):
    """A row hanging on a prediction, and the prediction; one message for both misses, so a
    hidden prediction's rows look exactly like rows that never existed."""
    row = _get(model, row_id)
    if row is None:
        raise NotFound(missing)
    try:
        return row, load_prediction(row.prediction_id, viewer)
    except NotFound:
        raise NotFound(missing) from None


def notifications_shown_to(viewer):
    """SQL for a query on Notification: leave out those about a prediction hidden from the
    viewer (their messages quote its title)."""
    return notifications_shown(may_see_hidden(viewer))


def notifications_shown(sees_hidden: bool):
    """`notifications_shown_to` for a viewer who may, or may not, see hidden predictions."""
    if sees_hidden:
        return true()
    hidden = select(Prediction.id).where(Prediction.id == Notification.prediction_id,
                                         Prediction.hidden.is_(True)).exists()
    return ~hidden


def load_notification(notification_id: int, viewer) -> Notification:
    """One of the viewer's notifications; NotFound when it is another's, or is about a
    prediction hidden from them."""
    notification = _get(Notification, notification_id)
    if notification is None or notification.user_id != getattr(viewer, "id", None):
        raise NotFound("No such notification.")
    if notification.prediction_id is not None and not prediction_visible(
            db.session.get(Prediction, notification.prediction_id), viewer):
        raise NotFound("No such notification.")
    return notification


def comment_text_shown():
    """SQL for a query on Comment: its text is shown to readers (neither hidden by a moderator
    nor deleted by its author). Threads show such a comment's place without its text to
    everyone, so nothing may find it by its words either."""
    return (Comment.hidden.is_(False)) & (Comment.deleted.is_(False))
