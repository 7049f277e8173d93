"""POST /tokens and DELETE /tokens/current."""

import logging

from flask import g, jsonify, request

from forum import limits
from forum.api import bp
from forum.api.auth import Unauthorized, json_body
from forum.auth import services
from forum.errors import Forbidden, Invalid
from forum.extensions import db
from forum.permissions import SUSPENDED_MESSAGE

log = logging.getLogger("forum")


@bp.post("/tokens")
@limits.login_per_ip
@limits.login_per_account
def create_token():
    data = json_body()
    username, password = data.get("username"), data.get("password")
    fields = {name: ["Required, as a string."] for name, value in
              (("username", username), ("password", password)) if not isinstance(value, str)
              or not value}
    if fields:
        raise Invalid(fields)
    user = services.authenticate(username, password)
    if user is None:
        log.warning("token refused: username=%r ip=%s", username[:40], request.remote_addr)
        raise Unauthorized("Unknown username or wrong password.")
    if user.suspended:  # said only to whoever knows the password
        log.warning("token refused (suspended): user=%s ip=%s", user.username,
                    request.remote_addr)
        raise Forbidden(SUSPENDED_MESSAGE)
    if not user.is_verified:
        raise Forbidden("Activate the account first: follow the link emailed to its address.")
    token = services.issue_token(user)
    db.session.commit()
    log.info("token issued: user=%s ip=%s", user.username, request.remote_addr)
    return jsonify(token=token, username=user.username), 201


@bp.delete("/tokens/current")
@limits.session
def revoke_current_token():
    if g.api_token is None:
        raise Unauthorized("Send the token to revoke as 'Authorization: Bearer <token>'.")
    db.session.delete(g.api_token)
    db.session.commit()
    return "", 204
