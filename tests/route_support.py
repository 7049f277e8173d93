"""Walk the app's own URL map, so a route added later is covered by the tests that use this
without a line of its own: every rule, with each of its arguments filled in from what the
test made, and a snapshot of every table to prove that a request changed nothing."""

from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter

from forum.extensions import db

SKIPPED_ENDPOINTS = {"static"}
NOT_A_TOKEN = "not-a-real-token"


def link_tokens(user) -> list[str]:
    """A valid token of every kind an email links to (each route refuses the other kinds'),
    for the user, and one that is nobody's: values for a walk's `<token>` arguments."""
    from forum import tokens
    from forum.auth.notifications import activation_token, email_change_token, reset_token

    return [activation_token(user), reset_token(user),
            email_change_token(user, f"new-{user.id}@example.org"),
            tokens.make("unsubscribe", {"u": user.id, "k": "email_replies"}), NOT_A_TOKEN]


def concrete_paths(app, methods: set[str], values) -> list[tuple[str, str, str]]:
    """(method, endpoint, path) for every rule answering one of `methods`, once for each
    choice of its arguments. `values(name, chosen)` gives the candidates for an argument
    (`chosen` holds the arguments already picked, so `target_id` can follow `target_type`);
    an `any(...)` argument takes each of its items."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & methods):
            for arguments in _choices(rule, values):
                path = app.url_map.bind("localhost").build(
                    rule.endpoint, arguments, method=method, append_unknown=False)
                found.append((method, rule.endpoint, path))
    return found


def _choices(rule, values) -> list[dict]:
    names = sorted(rule.arguments, key=lambda name: (name != "target_type", name))
    choices = [{}]
    for name in names:
        converter = rule._converters[name]
        extended = []
        for chosen in choices:
            options = (sorted(converter.items) if isinstance(converter, AnyConverter)
                       else values(name, chosen))
            extended += [{**chosen, name: option} for option in options]
        choices = extended
    return choices


def table_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, in a fixed order: equal snapshots mean nothing changed. Left
    out: the one write a read makes on purpose, an API token's "last used" stamp (at most once
    a minute, forum.auth.services.note_token_use)."""
    db.session.expire_all()
    snapshot = {}
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if (table.name, column.name) != ("api_tokens", "last_used_at")]
        rows = db.session.execute(select(*columns)).all()
        snapshot[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


SECRET_TITLE = "Hidden claim SECRET-TITLE-7431 will come true"
SECRET_CRITERIA = "Resolves yes if SECRET-CRITERIA-9902 is reported."
SECRET_COMMENT = "A comment SECRET-COMMENT-5521 on the hidden claim."
SECRET_HIDDEN_COMMENT = "A hidden comment SECRET-HIDDEN-3310 on a visible claim."
SECRETS = ("SECRET-TITLE-7431", "SECRET-CRITERIA-9902", "SECRET-COMMENT-5521",
           "SECRET-HIDDEN-3310")


def build_site(article) -> dict:
    """A small forum with hidden content of every kind, made through the services.

    `visible`: author's open prediction, forecast on by the reader, with a comment of each
    and a comment a moderator hid. `hidden`: author's prediction that the reader forecast on
    and commented on, resolved by `mod` (so there is a resolution, and notifications naming
    it), then hidden by `mod`. The reader has an API token; `other` reported a comment."""
    from forum.auth.services import issue_token
    from forum.models import ApiToken, Notification
    from forum.moderation.flags import create_flag
    from forum.moderation.services import set_hidden
    from tests.factories import make_comment, make_forecast, make_prediction, make_user
    from tests.moderation_support import resolve

    people = {name: make_user(name) for name in ("author", "reader", "other")}
    people["mod"] = make_user("mod", role="moderator")
    people["admin"] = make_user("root", role="admin")
    author, reader, mod = people["author"], people["reader"], people["mod"]
    visible = make_prediction(article, author, title="A visible claim about the summit")
    make_forecast(visible, reader, 0.6)
    comment = make_comment(visible, author, "The author's visible comment.")
    reply = make_comment(visible, reader, "The reader's visible reply.", parent=comment)
    hidden_comment = make_comment(visible, author, SECRET_HIDDEN_COMMENT)
    hidden = make_prediction(article, author, title=SECRET_TITLE, criteria=SECRET_CRITERIA)
    make_forecast(hidden, reader, 0.7)
    on_hidden = make_comment(hidden, reader, SECRET_COMMENT)
    make_comment(hidden, author, "The author answers on the hidden claim.", parent=on_hidden)
    resolution = resolve(hidden, mod, "yes")
    flag = create_flag(people["other"], "comment", comment.id, "spam")
    set_hidden("prediction", hidden.id, mod, "Spam", hidden=True)
    set_hidden("comment", hidden_comment.id, mod, "Abusive", hidden=True)
    token = issue_token(reader)
    db.session.commit()
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == reader.id))
    notifications = db.session.scalars(select(Notification).where(
        Notification.user_id.in_([author.id, reader.id]))).all()
    return {**people, "visible": visible, "comment": comment, "reply": reply,
            "hidden_comment": hidden_comment, "hidden": hidden, "on_hidden": on_hidden,
            "resolution": resolution, "flag": flag, "reader_token": token,
            "token_id": token_id, "notifications": list(notifications)}
