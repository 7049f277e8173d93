"""Members' article, board and prediction pages, kept whole like an anonymous reader's and
filled in for each member.

A member's page differs from every other member's in a few places only: the navigation bar
(their name, their unread count), the CSRF token, on each row of predictions their vote and
their standing forecast, and on a prediction's page what forum.board.pages.PageViewer holds
(their forecast card, figure, vote, chart dots, reports, score, edit link, and their own cards
in the discussion). Templates mark those places by calling the global `viewer_part(name,
...)`, which renders the macro `name` of templates/_partials/viewer.html.

On a page kept for members (`MEMBER_PAGES`), the view runs once per data version for a
stand-in member (logged in, in the member role class and the member's time zone, the author
of nothing, no votes, no forecasts), with a sentinel CSRF token, and each `viewer_part` leaves
a marker instead of its HTML. The page is kept as the text between the markers and what each
marker stood for, under the same key as the shared fragments (forum/fragments.py: the pinned
versions of the page's scopes, the role class, the member's time zone, the day, the path and
query), for `FRAGMENT_CACHE_SECONDS`. Each request then reads only the member's own things
(their votes and standing forecasts on the page's rows and their unread count on the article
and the board; on a prediction's page, its PageViewer's few queries) and renders the marked
parts for them, or reuses a part already rendered for the same answers (`VARIANTS`); the
sentinel becomes their token. Suspended members and moderators (whose pages show more) get a
full render, as does a request with a message to flash or an open reply form.
tests/test_member_pages.py proves a filled page equals a full render.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import wraps

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value

from forum import fragments
from forum.auth.services import detached_copy
from forum.board.pages import Row, viewer_rows
from forum.extensions import db
from forum.layout import current_layout
from forum.page_cache import page_scopes

MEMBER_PAGES = frozenset({"articles.home", "articles.show", "board.index", "board.show"})
VIEWER_TEMPLATE = "_partials/viewer.html"
_TOKEN = secrets.token_hex(8)  # chosen per process, so no stored text can forge a marker
_MARKER = re.compile(rf"<!--viewer-{_TOKEN}-(\d+)-->")


@dataclass(frozen=True)
class KeptPage:
    """A page as every member sees it: `texts` around the viewer's parts, each part's macro
    name and arguments in `parts` (len(texts) == len(parts) + 1). `variants` keeps each
    rendered part by what in it is the viewer's (see VARIANTS), for the next member alike.
    Texts and variants are UTF-8 slots (forum.fragments.token_slots): a filled page is joined
    as bytes, with the member's token, and never encoded again (encoding a busy prediction
    page, a quarter of a megabyte, and replacing its tokens took a fifth of its time)."""

    slots: tuple[tuple, ...]  # each text's
    parts: tuple[tuple[str, tuple], ...]
    variants: dict = field(default_factory=dict, compare=False)

    @classmethod
    def cut(cls, texts: list[str], parts: tuple[tuple[str, tuple], ...]) -> "KeptPage":
        return cls(tuple(tuple(fragments.token_slots(text.encode())) for text in texts), parts)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(fragments.joined(slots).decode() for slots in self.slots)

    @property
    def weight(self) -> int:
        return sum(len(piece) for slots in self.slots for piece in slots if piece) + \
            250 * VARIANTS_KEPT * len(self.parts)


# What a part's HTML depends on beyond the kept page: the same answer, the same HTML, so a
# part rendered once is reused for the next member (or the same member's next request) it
# fits. Each is computed from the member's own data, read fresh for every request: a row's
# vote buttons show the member's vote, or none for the author; the figures their standing
# forecast, or "you (author)"; the forecast card their forecasts; the panel their reports.
# What else a part shows is the kept page's (the prediction, the path its forms return to,
# the time zone and the day, all in the key), and the CSRF token is a sentinel until the page
# is whole. The discussion (the member's own cards in a thread of hundreds) is rendered for
# each request: kept per member it would hold a copy of the whole thread each.
# Parts whose macro only prints one attribute of its argument (a kept chart, the discussion
# with the viewer's cards, both already HTML for this viewer): printed here as the macro would,
# so a page whose other parts are all kept variants never makes the viewer template's module.
ATTRIBUTE_PARTS = {"chart": "chart", "thread": "thread_html"}
# The same HTML as these attributes, already UTF-8 slots (the discussion).
AS_SLOTS = {"thread_html": "thread_slots", "chart": "chart_slots"}


def _printed(value, attribute: str) -> list:
    """`value.attribute` as `{{ value.attribute }}` prints it, as UTF-8 slots."""
    if attribute in AS_SLOTS and (found := getattr(value, AS_SLOTS[attribute], None)) is not None:
        return found
    return fragments.printed_slots(getattr(value, attribute))


VARIANTS_KEPT = 8  # per part, on average: standing forecasts vary without end
VARIANT_BYTES = 20_000  # a longer part (a long forecast history) is not kept
VARIANTS: dict[str, Callable] = {
    "nav": lambda user: (user.id, current_layout().unread),
    "row_vote": lambda user, row: (row.my_vote, row.prediction.author_id == user.id),
    "row_figures": lambda user, row: (row.my_standing, row.prediction.author_id == user.id),
    "prediction_figures": lambda user, me: (
        me.mine[-1].probability if me.mine else None, me.prediction.author_id == user.id),
    "prediction_vote": lambda user, me: (me.my_vote, me.prediction.author_id == user.id),
    "edit_note": lambda user, me: (me.editable,),
    "chart_legend": lambda user, me: (bool(me.mine),),
    "forecast_card": lambda user, me: (user.id, tuple(row.id for row in me.mine)),
    "moderation_panel": lambda user, me: (user.id, frozenset(me.moderation.state.my_flags)),
    "scores": lambda user, me: (user.id, me.scores is not None),
}


@pass_context
def viewer_part(context, name: str, *args) -> Markup:
    """The viewer's own part `name` (a macro of VIEWER_TEMPLATE) with these arguments: a
    marker while a member's page is rendered to be kept, else the part itself."""
    marked = g.get("viewer_parts")
    if marked is not None:
        marked.append((name, args))
        return Markup(f"<!--viewer-{_TOKEN}-{len(marked) - 1}-->")
    return Markup(getattr(_viewer_module(context.get_all()), name)(*args))


def _viewer_module(values: dict):
    """VIEWER_TEMPLATE's macros bound to this request's template context (made once a
    request: every template of a request sees the same viewer)."""
    module = g.get("viewer_module")
    if module is None:
        template = current_app.jinja_env.get_template(VIEWER_TEMPLATE)
        module = g.viewer_module = template.make_module(values)
    return module


def kept_for_members(view: Callable | None = None, *, unless: tuple[str, ...] = ()):
    """Serve the view from the members' kept page when it can (see the module's docstring);
    a request with any of the query arguments `unless` (an open reply form, say) is rendered
    in full."""
    if view is None:
        return lambda view: kept_for_members(view, unless=unless)

    @wraps(view)
    def serve(*args, **kwargs):
        key = None if any(name in request.args for name in unless) else _member_key()
        if key is None:
            return view(*args, **kwargs)
        found = fragments.cached("member-page", key, lambda: _render_kept(view, args, kwargs),
                                 weight=lambda page: page.weight if page else 1)
        if found is None:  # the view answered otherwise for the stand-in (a redirect, say)
            return view(*args, **kwargs)
        return fill(found, key)

    return serve


def _member_key() -> tuple | None:
    if request.endpoint not in MEMBER_PAGES or "_flashes" in session:
        return None
    if fragments.role_class(current_user._get_current_object()) != fragments.MEMBER:
        return None
    scopes = page_scopes(request.endpoint, request.view_args)
    return fragments.page_key(*scopes) if scopes else None


def _render_kept(view: Callable, args, kwargs) -> KeptPage | None:
    """The view's page rendered for a stand-in member, split at the viewer's parts."""
    member = current_user._get_current_object()
    # the member's time zone is the key's, so the stand-in reads times in it too
    g._login_user = fragments.StandIn(suspended=False, time_zone=member.time_zone)
    g.csrf_token = fragments.CSRF_SENTINEL  # what Flask-WTF's generate_csrf() returns now
    g.viewer_parts = []
    for name in ("layout", "viewer_module"):
        g.pop(name, None)
    try:
        html = view(*args, **kwargs)
        parts = g.viewer_parts
    finally:
        g._login_user = member
        for name in ("csrf_token", "viewer_parts", "layout", "viewer_module"):
            g.pop(name, None)
    if isinstance(html, tuple) and len(html) == 2 and html[1] == 200:
        html = html[0]  # a page function's (body, status)
    if not isinstance(html, str):
        return None
    pieces = _MARKER.split(html)
    indexes = [int(index) for index in pieces[1::2]]
    kept = KeptPage.cut(pieces[0::2], tuple(parts[index] for index in indexes))
    for _name, part_args in kept.parts:  # kept beyond this request's session
        for value in part_args:
            _detach(value)
    return kept


def _detach(value) -> None:
    """Take a kept part's objects (a row's or a page's prediction, with its author and
    article) out of the session, so that nothing this request commits expires them: they are
    read again after the session has closed."""
    prediction = getattr(value, "prediction", None)
    if prediction is None:
        return
    # The parts read the author (loaded with every list and page); the article only if the
    # page loaded it, never lazily here; a prediction page's resolution log, with who made
    # each entry, which the next members' panels show too (PageViewer.for_viewer).
    log = getattr(getattr(value, "moderation", None), "log", ())
    # The member whose request renders the page may be its author or a resolver: the kept
    # page gets a copy of their row, and their own object stays in their session (with
    # their session key, which no other request may hold).
    member = current_user._get_current_object()
    for owner, name in ((prediction, "author"), *((entry, "resolved_by") for entry in log)):
        if vars(owner).get(name) is member:
            set_committed_value(owner, name, detached_copy(member))
    for instance in (prediction, prediction.author, vars(prediction).get("article"),
                     *log, *(entry.resolved_by for entry in log)):
        if instance is not None and instance is not member and instance in db.session:
            db.session.expunge(instance)


def _for_member(parts, user, page_key: tuple) -> dict[int, object]:
    """Each kept argument that is the stand-in's (by id) made again for this member: the
    rows in one go (their votes and standing forecasts, two queries, kept for the member under
    the page's key and the rows' ids: their votes and forecasts raise its versions), a
    prediction page's own parts (`for_viewer`)."""
    values = {id(value): value for _name, args in parts for value in args}
    rows = {ident: value for ident, value in values.items() if isinstance(value, Row)}
    ids = tuple(row.prediction.id for row in rows.values())
    theirs = fragments.cached(
        "member-rows", (page_key, user.id, ids),
        lambda: [(row.my_vote, row.my_standing) for row in viewer_rows(list(rows.values()), user)],
        weight=lambda made: 50 * len(made) + 1) if rows else ()
    own = {ident: replace(row, my_vote=vote, my_standing=standing)
           for (ident, row), (vote, standing) in zip(rows.items(), theirs, strict=True)}
    for ident, value in values.items():
        if hasattr(value, "for_viewer"):
            own[ident] = value.for_viewer(user)
    return own


def fill(page: KeptPage, page_key: tuple) -> bytes:
    """The kept page (kept under `page_key`) for the current member, as the response's UTF-8
    body: their rows, then each part rendered for them (or taken from another member's
    identical variant)."""
    user = current_user._get_current_object()
    g.csrf_token = fragments.CSRF_SENTINEL  # parts may be shared: the token comes last
    out = list(page.slots[0])
    try:
        own = _for_member(page.parts, user, page_key)
        module = None  # made on the first part no variant holds: often none is needed
        for index, ((name, kept_args), text) in enumerate(
                zip(page.parts, page.slots[1:], strict=True)):
            args = tuple(own.get(id(value), value) for value in kept_args)
            variant = VARIANTS.get(name)
            key = (index, variant(user, *args)) if variant else None
            html = page.variants.get(key) if key else None
            if html is None and name in ATTRIBUTE_PARTS:
                html = _printed(args[0], ATTRIBUTE_PARTS[name])
            if html is None:
                if module is None:
                    values: dict = {}
                    current_app.update_template_context(values)
                    module = _viewer_module(values)
                rendered = str(getattr(module, name)(*args)).encode()
                html = tuple(fragments.token_slots(rendered))
                if key and len(rendered) <= VARIANT_BYTES and \
                        len(page.variants) < VARIANTS_KEPT * len(page.parts):
                    page.variants[key] = html
            out += html
            out += text
    finally:
        g.pop("csrf_token", None)
    return fragments.with_token_joined(out)


def register(app: Flask) -> None:
    app.add_template_global(viewer_part, "viewer_part")
