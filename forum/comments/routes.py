"""Comment threads on a prediction's page: post or reply, edit, delete, vote. Every form
lives on the prediction page; an error shows the page again with the typed text kept."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from forum import limits
from forum.board import pages, queries
from forum.board import services as board_services
from forum.board.forms import read_form_vote
from forum.comments import bp, services
from forum.errors import Invalid
from forum.extensions import db
from forum.forms import keep_input_when_limited
from forum.http import back_to, login_first
from forum.visibility import load_comment

COMMENT_ID = "<id:comment_id>"
PREDICTION_ID = "<id:prediction_id>"


def _comment_url(comment, prediction) -> str:
    """The comment on its prediction's page; a long discussion opens in full to show it."""
    long = prediction.comment_count > pages.COMMENTS_SHOWN
    return url_for("board.show", prediction_id=comment.prediction_id,
                   comments="all" if long else None, _anchor=f"comment-{comment.id}")


def _comment_and_prediction(comment_id: int):
    """The comment and its prediction; 404 when either is gone or the prediction is hidden
    from the viewer."""
    return load_comment(comment_id, current_user)


def _comment_again(error: Invalid | str, prediction_id: int):
    """A new comment or reply refused by the rate limit, shown again as it was typed."""
    prediction = queries.get_prediction(prediction_id, current_user)
    raw_parent = request.form.get("parent_id", "")
    return _show_again(prediction, f"reply-{raw_parent}" if raw_parent else "new",
                       request.form.get("body", ""), error)


def _edit_again(error: Invalid | str, comment_id: int):
    comment, prediction = _comment_and_prediction(comment_id)
    return _show_again(prediction, f"edit-{comment.id}", request.form.get("body", ""), error)


@bp.post("/predictions/" + PREDICTION_ID + "/comments")
@keep_input_when_limited(_comment_again)
@limits.comment
def create(prediction_id: int):
    """A new comment, or a reply when the form names a `parent_id`."""
    prediction = queries.get_prediction(prediction_id, current_user)
    if not current_user.is_authenticated:
        return login_first(url_for("board.show", prediction_id=prediction.id,
                                   _anchor="comments"))
    raw_body, raw_parent = request.form.get("body", ""), request.form.get("parent_id", "")
    target = f"reply-{raw_parent}" if raw_parent else "new"
    try:
        parent_id = services.read_parent_id(raw_parent)
        body = services.read_body(raw_body)
        comment = services.add_comment(prediction, current_user, body, parent_id)
    except Invalid as error:
        db.session.rollback()
        return _show_again(prediction, target, raw_body, error)
    db.session.commit()
    flash("Your reply is posted." if parent_id else "Your comment is posted.", "success")
    return redirect(_comment_url(comment, prediction), code=303)


@bp.post("/comments/" + COMMENT_ID + "/edit")
@keep_input_when_limited(_edit_again)
@limits.edit
def edit(comment_id: int):
    comment, prediction = _comment_and_prediction(comment_id)
    if not current_user.is_authenticated:
        return login_first(_comment_url(comment, prediction))
    raw_body = request.form.get("body", "")
    try:
        services.edit_comment(comment, current_user, services.read_body(raw_body))
    except Invalid as error:
        db.session.rollback()
        return _show_again(prediction, f"edit-{comment.id}", raw_body, error)
    db.session.commit()
    flash("Your comment is updated.", "success")
    return redirect(_comment_url(comment, prediction), code=303)


@bp.post("/comments/" + COMMENT_ID + "/delete")
@limits.edit
def delete(comment_id: int):
    comment, prediction = _comment_and_prediction(comment_id)
    if not current_user.is_authenticated:
        return login_first(_comment_url(comment, prediction))
    services.delete_comment(comment, current_user)
    db.session.commit()
    flash("Your comment is deleted; replies to it keep their place.", "success")
    return redirect(_comment_url(comment, prediction), code=303)


@bp.post("/comments/" + COMMENT_ID + "/vote")
@limits.vote
def vote(comment_id: int):
    comment, prediction = _comment_and_prediction(comment_id)
    back = back_to(_comment_url(comment, prediction))
    if not current_user.is_authenticated:
        return login_first(back)
    board_services.vote_on_comment(current_user, comment, read_form_vote(request.form.get("value")))
    db.session.commit()
    return redirect(back, code=303)


def _show_again(prediction, target: str, body: str, error: Invalid | str):
    """The prediction page with the failed form open, its text kept and the error beside it."""
    if isinstance(error, str):
        messages = [error]
    else:
        messages = [message for messages in (error.fields or {}).values()
                    for message in messages] or [error.message]
    state = {"target": target, "body": body if isinstance(body, str) else "",
             "errors": messages}
    return pages.render_prediction(prediction, 422, comment_state=state)
