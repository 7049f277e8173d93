"""Moderation pages: the queue, resolving, hiding and restoring, and members' reports.

Every action is a POST that redirects back to where it came from (`next`: the queue or the
prediction's page), so a moderator can clear the queue without leaving it. When an input is
wrong, the action's own page is shown with the error beside the field and what was typed."""

from flask import flash, render_template, request, url_for
from flask_login import current_user, login_required

from forum import limits
from forum.board.queries import get_prediction
from forum.errors import Conflict, Invalid, NotFound
from forum.extensions import db
from forum.forms import keep_input_when_limited
from forum.http import next_or, redirect_back
from forum.models import Comment
from forum.moderation import bp, flags, queries, services
from forum.moderation.access import ID, moderator_page
from forum.moderation.resolutions import OUTCOMES, read_resolution, resolve_prediction
from forum.pagination import read_page_args
from forum.permissions import ensure_can_write, resolve_refusal


def prediction_page(prediction_id: int, anchor: str | None = None) -> str:
    return url_for("board.show", prediction_id=prediction_id, _anchor=anchor)


@bp.get("/moderation")
@moderator_page
def queue():
    page, per_page = read_page_args(request.args, default_per_page=20, max_per_page=100)
    return render_template("moderation/queue.html",
                           awaiting=queries.awaiting_resolution(page, per_page),
                           reports=queries.open_reports())


def _resolve_page(prediction_id: int, values: dict, errors: dict, refusal: str | None = None,
                  messages: tuple = (), status: int = 200):
    """The resolve form, with the resolution in force above it (its page model)."""
    prediction = get_prediction(prediction_id, current_user)
    return render_template(
        "moderation/resolve.html", prediction=prediction, log=queries.resolution_log(prediction.id),
        values=values,
        errors=errors, correction=prediction.status != "open", refusal=refusal,
        messages=list(messages), next=next_or(""),
    ), status


def _resolve_again(message: str, prediction_id: int):
    """A resolution refused by the rate limit: the form as it was sent, and why."""
    return _resolve_page(prediction_id, request.form.to_dict(), {}, messages=(message,),
                         status=429)


@bp.route("/predictions/" + ID.format("prediction_id") + "/resolve", methods=["GET", "POST"])
@moderator_page
@keep_input_when_limited(_resolve_again)
@limits.moderation
def resolve(prediction_id: int):
    prediction = get_prediction(prediction_id, current_user)
    values, errors = {}, {}
    refusal = resolve_refusal(current_user, prediction)  # their own: another must resolve it
    if refusal is None and request.method == "POST":
        values = request.form.to_dict()
        try:
            resolution = resolve_prediction(prediction, current_user,
                                            read_resolution(values, prediction))
        except Invalid as error:
            db.session.rollback()
            errors = error.fields or {}
        else:
            db.session.commit()
            flash(_resolved_message(prediction, resolution), "success")
            return redirect_back(prediction_page(prediction.id, "resolution"))
    return _resolve_page(prediction.id, values, errors, refusal,
                         status=403 if refusal else 422 if errors else 200)


def _resolved_message(prediction, resolution) -> str:
    title = prediction.title if len(prediction.title) <= 60 else prediction.title[:57] + "…"
    label = OUTCOMES[resolution.outcome].lower()
    if resolution.is_correction:
        return f"Corrected “{title}”: now {label}. Forecasters are notified."
    verb = "Annulled" if resolution.outcome == "annulled" else f"Resolved {label.upper()}:"
    return f"{verb} “{title}”. Scores are updated and forecasters notified."


def _hide_again(message: str, target_type: str, target_id: int, action: str):
    target, prediction_id = _hideable(target_type, target_id)
    anchor = f"comment-{target_id}" if target_type == "comment" else None
    return render_template(
        "moderation/action.html", action=action, target_type=target_type, target=target,
        form_action=request.path, reason=request.form.get("reason", ""), error=None,
        messages=[message],
        next=next_or(prediction_page(prediction_id, anchor)),
    ), 429


@bp.route("/moderation/<any(comment, prediction):target_type>/" + ID.format("target_id")
          + "/<any(hide, restore):action>", methods=["GET", "POST"])
@moderator_page
@keep_input_when_limited(_hide_again)
@limits.moderation
def hide(target_type: str, target_id: int, action: str):
    target, prediction_id = _hideable(target_type, target_id)
    anchor = f"comment-{target_id}" if target_type == "comment" else None
    default = prediction_page(prediction_id, anchor)
    error = None
    if request.method == "POST":
        try:
            changed = services.set_hidden(target_type, target_id, current_user,
                                          request.form.get("reason"), hidden=action == "hide")
        except Invalid as invalid:
            error = " ".join(invalid.fields.get("reason", [invalid.message]))
        else:
            db.session.commit()
            done = "hidden" if action == "hide" else "restored"
            if changed:
                flash(f"The {target_type} is {done}. The reason is in the audit log.", "success")
            else:
                flash(f"The {target_type} was already {done}.", "info")
            return redirect_back(default)
    return render_template(
        "moderation/action.html", action=action, target_type=target_type, target=target,
        form_action=request.path, reason=request.form.get("reason", ""), error=error,
        next=next_or(default),
    ), 422 if error else 200


def _hideable(target_type: str, target_id: int):
    if target_type == "comment":
        comment = flags.find(Comment, target_id)
        if comment is None:
            raise NotFound("No such comment.")
        return comment, comment.prediction_id
    prediction = get_prediction(target_id, current_user)
    return prediction, prediction.id


@bp.post("/moderation/reports/" + ID.format("flag_id"))
@moderator_page
@limits.moderation
def handle_flag(flag_id: int):
    decision = request.form.get("decision", "")
    try:
        closed = services.handle_flag(flag_id, current_user, decision, request.form.get("reason"))
    except Invalid as invalid:
        messages = [m for ms in (invalid.fields or {}).values() for m in ms]
        flash(" ".join(messages) or invalid.message, "error")
        return redirect_back(url_for("moderation.queue"))
    except Conflict as conflict:
        flash(conflict.message, "info")
        return redirect_back(url_for("moderation.queue"))
    db.session.commit()
    done = "dismissed" if decision == "dismiss" else "handled"
    flash(f"{closed} report{'s' if closed != 1 else ''} {done}.", "success")
    return redirect_back(url_for("moderation.queue"))


def _report_page(target_type: str, target_id: int, values: dict, errors: dict,
                 messages: tuple = (), status: int = 200):
    target = flags.find_target(target_type, target_id)
    anchor = {"comment": f"comment-{target_id}", "resolution": "resolution"}.get(target_type)
    default = prediction_page(target.prediction_id, anchor)
    return render_template(
        "moderation/report.html", target=target, values=values, errors=errors,
        reasons=target.reasons, next=next_or(default),
        prediction=get_prediction(target.prediction_id, current_user), messages=list(messages),
    ), status


def _report_again(message: str, target_type: str, target_id: int):
    return _report_page(target_type, target_id, request.form.to_dict(), {}, (message,), 429)


@bp.route("/report/<any(prediction, comment, resolution):target_type>/" + ID.format("target_id"),
          methods=["GET", "POST"])
@login_required
@keep_input_when_limited(_report_again)
@limits.flag
def report(target_type: str, target_id: int):
    ensure_can_write(current_user)
    target = flags.find_target(target_type, target_id)
    anchor = {"comment": f"comment-{target_id}", "resolution": "resolution"}.get(target_type)
    default = prediction_page(target.prediction_id, anchor)
    values, errors = {"reason": request.args.get("reason", "")}, {}
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            reason, text = flags.read_flag(values, target)
            flags.create_flag(current_user, target_type, target_id, reason, text)
        except Invalid as invalid:
            errors = invalid.fields or {}
        except Conflict as conflict:
            flash(conflict.message, "info")
            return redirect_back(default)
        else:
            db.session.commit()
            flash(f"Thanks: the {target_type} is reported and a moderator will look at it.",
                  "success")
            return redirect_back(default)
    return _report_page(target_type, target_id, values, errors,
                        status=422 if errors else 200)
