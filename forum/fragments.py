"""Shared fragments of the pages members see: rendered once per data version, reused by every
member, with each member's own parts spliced in.

A member's prediction page is mostly what every visitor sees: the discussion, the chart, the
spread, the forecast log. Each such part is rendered once per worker under a key made of
everything that changes its HTML, and reused until one of those changes:

- the versions of the scopes the page shows (forum/cache_versions.py), pinned by the page
  cache's before_request before the view reads any data, so a write that commits in between
  leaves an entry under versions nobody asks for again, never old HTML under new versions;
- the viewer's role class (anonymous, member, suspended member; a moderator, who sees hidden
  comments and report counts, always gets a fresh render), their time zone, the day, and the
  request's path and query (the vote forms send readers back to it);
- `FRAGMENT_CACHE_SECONDS`: relative times ("5 minutes ago") move on by themselves, so an
  entry is kept no longer than an anonymous page is (forum/page_cache.py).

What is the member's own is added per request, cheaply: the CSRF token (the shared HTML holds
a sentinel, replaced with the member's token), and the few comments the member wrote, voted on
or reported: those comments' cards are rendered again for the member and replace the shared
cards byte for byte. A page with a form's errors or an open reply form is rare and is simply
rendered in full. tests/test_fragments.py proves the assembled page equals a full render.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, g, has_request_context, request
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import escape

from forum import cache_versions, clock
from forum.moderation.queries import PanelState
from forum.security import csrf_token
from forum.templating import Clean, without_forbidden_characters
from forum.timezones import viewer_zone_name
from forum.worker_cache import worker_cache

log = logging.getLogger("forum")

BUDGET_CHARACTERS = 16_000_000  # per worker (at most ~32 MB: a page with any character
# beyond Latin-1 is stored two bytes a character); a busy prediction page's parts are ~250 KB
CSRF_SENTINEL = f"csrf-{secrets.token_hex(16)}"  # never in stored text: chosen per process
CSRF_SENTINEL_BYTES = CSRF_SENTINEL.encode()
ANONYMOUS, MEMBER, SUSPENDED = "anonymous", "member", "suspended"


@dataclass(frozen=True)
class StandIn:
    """The member a shared fragment is rendered for: logged in, in the viewer's role class,
    but the author of nothing, with no votes and no reports (id -1 matches no row)."""

    suspended: bool
    id: int = -1
    username: str = ""
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False
    is_moderator: bool = False
    is_admin: bool = False
    time_zone: str | None = None


@dataclass(frozen=True)
class StandInPanel:
    """The page model's moderation panel as the stand-in sees it: no reports of its own (the
    thread reads only its `state`; a moderator never gets a shared render)."""

    state: PanelState = field(default_factory=PanelState)


def enabled() -> bool:
    return current_app.config.get("FRAGMENT_CACHE_SECONDS", 0) > 0


def role_class(user) -> str | None:
    """Which shared fragments this viewer may get; None for a moderator (fresh render)."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    if user.suspended:
        return SUSPENDED
    return None if user.is_moderator else MEMBER


def page_key(*scopes: str) -> tuple | None:
    """The part of every fragment key shared by one page view: the pinned versions, the role
    class, the zone, the day and the path with its query. None when fragments are off for
    this request (a moderator, a POST showing a form again, the cache disabled)."""
    if not enabled() or not has_request_context() or request.method != "GET":
        return None
    role = role_class(current_user._get_current_object())
    if role is None:
        return None
    return (cache_versions.pinned(*scopes), role, viewer_zone_name(), clock.today(),
            request.full_path)


def cached(name: str, key: tuple, render: Callable[[], object],
           weight: Callable[[object], int] = len):
    """The fragment `name` under `key`, rendered by `render` on a miss (weighted by its
    length, so the worker's memory stays bounded)."""
    store = worker_cache("fragments", BUDGET_CHARACTERS)
    full_key = (name, key)
    found = store.get(full_key, ttl=current_app.config["FRAGMENT_CACHE_SECONDS"])
    if found is None:
        found = render()
        store.put(full_key, found, weight=max(1, weight(found)))
    return found


def stand_in_context() -> dict:
    """What a shared render sees instead of the viewer: a stand-in of their role class, a
    sentinel CSRF token, and no reports of their own."""
    user = current_user._get_current_object()
    stand_in = user if not user.is_authenticated else StandIn(suspended=bool(user.suspended))
    return {"current_user": stand_in, "csrf_token": lambda: CSRF_SENTINEL, "votes": {},
            "moderation": StandInPanel()}


def render_shared(template: str, context: dict) -> str:
    """A template rendered for the viewer's stand-in (the shared HTML, with the sentinel)."""
    values = dict(context)
    values.update(stand_in_context())
    current_app.update_template_context(values)
    return current_app.jinja_env.get_template(template).render(values)


def with_token(html: str) -> Clean:
    """Shared HTML with the viewer's CSRF token in place of the sentinel."""
    if CSRF_SENTINEL not in html:  # asking for a token would start a visitor's session
        return Clean(html)
    token = csrf_token()
    if token == CSRF_SENTINEL:  # a part of a member's page being filled: the token comes last
        return Clean(html)
    return Clean(html.replace(CSRF_SENTINEL, token))


# A member's kept page is filled as UTF-8 "slots": a list of bytes with None where the sentinel
# token stands. Kept parts are cut once; the viewer's token goes in as the body is joined, in
# one pass, where replacing it in a joined quarter-megabyte page took two more.
Slots = list  # of bytes | None


def token_slots(html: bytes) -> Slots:
    """UTF-8 HTML as slots: its bytes, with None where the sentinel token was."""
    pieces = html.split(CSRF_SENTINEL_BYTES)
    slots: Slots = [pieces[0]]
    for piece in pieces[1:]:
        slots += (None, piece)
    return slots


def printed_slots(value) -> Slots:
    """`value` as `{{ value }}` prints it (forbidden characters dropped, escaped unless it is
    Markup), as UTF-8 slots."""
    return token_slots(str(escape(without_forbidden_characters(value))).encode())


def joined(slots: Slots, token: bytes = CSRF_SENTINEL_BYTES) -> bytes:
    return b"".join([token if piece is None else piece for piece in slots])


def with_token_joined(slots: Slots) -> bytes:
    """The slots joined with the viewer's token (a visitor's session is never started for
    a page without a form)."""
    if None not in slots:
        return b"".join(slots)
    return joined(slots, csrf_token().encode())


@pass_context
def shared_section(context, template: str) -> Clean:
    """A part of a page the same for every viewer of its key (`g.fragment_key`, set by the
    view): cached, else rendered in place."""
    key = getattr(g, "fragment_key", None)
    values = context.get_all()
    if key is None:
        values = dict(values)
        return Clean(current_app.jinja_env.get_template(template).render(values))
    return with_token(cached(template, key, lambda: render_shared(template, values)))


def keep_card(_comment, card):
    """The templates' `keep_card` outside a shared render: the card as it is."""
    return card


@dataclass(frozen=True)
class SharedThread:
    """The shared discussion as slots (`token_slots`), and where each comment's card lies in
    them: a member's discussion copies the list and splices their own cards in, so a thread
    of hundreds of comments is neither searched nor encoded again for each request."""

    slots: tuple
    cards: dict[int, tuple[int, int]]  # comment id: (start, end) in `slots`

    @classmethod
    def cut(cls, html: str, cards: dict[int, str]) -> "SharedThread":
        """`cards` in the order they were rendered, each found after the one before."""
        slots: Slots = []
        places: dict[int, tuple[int, int]] = {}
        cursor = 0
        for comment_id, card in cards.items():
            start = html.find(card, cursor)
            if start < 0:  # the thread template printed a card otherwise than it was kept
                log.error("comment %s's card is not in the shared thread: it stays the "
                          "stand-in's for every viewer", comment_id)
                continue
            slots += token_slots(html[cursor:start].encode())
            card_slots = token_slots(card.encode())
            places[comment_id] = (len(slots), len(slots) + len(card_slots))
            slots += card_slots
            cursor = start + len(card)
        slots += token_slots(html[cursor:].encode())
        return cls(tuple(slots), places)

    def with_cards(self, cards) -> Slots:
        """The thread's slots with these (comment id, slots) cards in place of the shared
        ones."""
        slots = list(self.slots)
        # from the last card up, so the places of those before stay where they were
        for comment_id, card in sorted(cards, key=lambda item: -self.cards[item[0]][0]):
            start, end = self.cards[comment_id]
            slots[start:end] = card
        return slots

    @property
    def weight(self) -> int:
        return sum(len(piece) for piece in self.slots if piece) + 100 * len(self.cards)


def comment_thread(context: dict, own: Callable[[], list], key: tuple,
                   thread: Callable[[], list], cards_key: tuple | None = None) -> Slots:
    """The discussion for this viewer, as slots (`token_slots`): the shared thread (`thread()`
    gives its nodes when it must be rendered), with the cards of the comments `own()` gives
    (the viewer wrote, voted on or reported them) rendered for the viewer in place of the
    stand-in's cards, which the shared render kept beside the thread.

    With a `cards_key` (everything of the viewer's the cards show: who they are, their votes
    and reports on those comments), their cards are kept too, rendered with the sentinel
    token, under the thread's key: the next request of the same member on an unchanged page
    neither reads those comments nor renders them."""
    def render() -> SharedThread:
        kept: dict[int, str] = {}

        def keep_card(comment, card):
            kept[comment.id] = str(card)
            return card

        html = render_shared("comments/_thread.html",
                             {**context, "thread": thread(), "keep_card": keep_card})
        return SharedThread.cut(html, kept)

    shared = cached("comments/_thread.html", key, render, weight=lambda found: found.weight)

    def viewers_cards() -> tuple[tuple[int, Slots], ...]:
        shown = [comment for comment in own() if comment.id in shared.cards]
        return tuple(zip((comment.id for comment in shown),
                         (token_slots(card.encode()) for card in _cards(context, shown)),
                         strict=True))

    if cards_key is not None and g.get("csrf_token") == CSRF_SENTINEL:
        cards = cached("own-cards", (key, *cards_key), viewers_cards,
                       weight=lambda found: sum(len(piece) for _id, card in found
                                                for piece in card if piece) + 1)
    else:
        cards = viewers_cards()
    return shared.with_cards(cards)


def _cards(context: dict, comments) -> list[str]:
    """Each comment's card (comments/_comment.html's `card`) as the viewer sees it."""
    values = dict(context)
    current_app.update_template_context(values)
    module = current_app.jinja_env.get_template("comments/_comment.html").make_module(values)
    return [str(module.card(comment)) for comment in comments]
