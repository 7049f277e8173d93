"""Member management (suspend, restore, roles) and the audit log page."""

from flask import flash, render_template, request, url_for
from flask_login import current_user

from forum import limits
from forum.errors import Invalid
from forum.extensions import db
from forum.http import next_or, redirect_back
from forum.models import ROLES
from forum.moderation import bp, queries, services
from forum.moderation.access import ID, moderator_page
from forum.moderation.audit import ACTIONS
from forum.moderation.notifications import moment
from forum.pagination import read_page_args
from forum.permissions import ensure_admin
from forum.text import line_problem

SEARCH_MAX = 30


def search_text(name: str) -> str:
    """A name to search for from the query string: at most 30 characters, none invisible."""
    text = request.args.get(name, "").strip()[:SEARCH_MAX]
    if problem := line_problem(text):
        raise Invalid({name: [problem]}, message=problem)
    return text


@bp.get("/moderation/members")
@moderator_page
def members():
    query = search_text("q")
    page, per_page = read_page_args(request.args, default_per_page=25, max_per_page=100)
    return render_template("moderation/members.html", query=query, roles=ROLES,
                           members=queries.members(query, page, per_page))


@bp.route("/moderation/members/" + ID.format("user_id") + "/<any(suspend, unsuspend):action>",
          methods=["GET", "POST"])
@moderator_page
@limits.moderation
def suspension(user_id: int, action: str):
    target = services.get_member(user_id)
    default = url_for("moderation.members", q=target.username)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            until = services.read_suspension_end(request.form.get("until")) \
                if action == "suspend" else None
            changed = services.set_suspended(target, current_user, request.form.get("reason"),
                                             suspended=action == "suspend", until=until)
        except Invalid as invalid:
            errors = invalid.fields or {"reason": [invalid.message]}
        else:
            db.session.commit()
            state = "suspended" if action == "suspend" else "no longer suspended"
            if changed and target.suspended_until is not None:
                state += f" until {moment(target.suspended_until)}"
            flash(f"{target.username} is {state}." if changed else
                  f"Nothing changed: {target.username} was already {state}.",
                  "success" if changed else "info")
            return redirect_back(default)
    return render_template(
        "moderation/action.html", action=action, target_type="user", target=target,
        form_action=request.path, reason=request.form.get("reason", ""),
        error=" ".join(errors.get("reason", [])), until=request.form.get("until", ""),
        until_error=" ".join(errors.get("until", [])),
        next=next_or(default),
    ), 422 if errors else 200


@bp.route("/moderation/members/" + ID.format("user_id") + "/role", methods=["GET", "POST"])
@moderator_page
@limits.moderation
def role(user_id: int):
    ensure_admin(current_user)
    target = services.get_member(user_id)
    default = url_for("moderation.members", q=target.username)
    errors: dict[str, list[str]] = {}
    chosen = request.form.get("role", target.role)
    if request.method == "POST":
        try:
            changed = services.set_role(target, current_user, chosen, request.form.get("reason"))
        except Invalid as invalid:
            errors = invalid.fields or {}
        else:
            db.session.commit()
            flash(f"{target.username} is now {target.role}." if changed else
                  f"Nothing changed: {target.username} was already {chosen}.",
                  "success" if changed else "info")
            return redirect_back(default)
    return render_template(
        "moderation/action.html", action="role", target_type="user", target=target,
        form_action=request.path, reason=request.form.get("reason", ""), roles=ROLES,
        chosen=chosen, error=" ".join(errors.get("reason", [])),
        role_error=" ".join(errors.get("role", [])),
        next=next_or(default),
    ), 422 if errors else 200


@bp.get("/moderation/audit")
@moderator_page
def audit_log():
    actor = search_text("actor")
    action = request.args.get("action", "")
    if action and action not in ACTIONS:
        raise Invalid({"action": [f"action is one of: {', '.join(ACTIONS)}."]})
    page, per_page = read_page_args(request.args, default_per_page=50, max_per_page=100)
    entries = queries.audit_log(actor, action, page, per_page)
    return render_template("moderation/audit.html", entries=entries, actor=actor,
                           action=action, actions=ACTIONS,
                           usernames=queries.audit_usernames(entries.items))

