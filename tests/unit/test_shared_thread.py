"""forum/fragments.py's slots: a thread cut at its cards and tokens, spliced and joined."""

import logging

from forum.fragments import CSRF_SENTINEL, SharedThread, joined, token_slots

T = CSRF_SENTINEL


def test_slots_join_back_to_the_text_with_any_token():
    html = f"<form><input value='{T}'></form>“quoted”<form><input value='{T}'></form>"
    assert joined(token_slots(html.encode())).decode() == html
    assert joined(token_slots(html.encode()), b"tok").decode() == html.replace(T, "tok")


def test_a_members_cards_are_spliced_in_their_places_whatever_their_tokens():
    cards = {1: f"<p>one {T}</p>", 2: "<p>two</p>", 3: f"<p>{T} three {T}</p>"}
    html = "<ol><li>" + "</li><li>".join(cards.values()) + f"</li></ol><i>{T}</i>"
    shared = SharedThread.cut(html, cards)
    assert joined(list(shared.slots)).decode() == html
    own = {3: "<p>mine, no form</p>", 1: f"<p>mine {T} and {T}</p>"}  # fewer and more tokens
    slots = shared.with_cards((cid, token_slots(card.encode())) for cid, card in own.items())
    expected = html
    for comment_id, card in own.items():
        expected = expected.replace(cards[comment_id], card, 1)
    assert joined(slots, b"tok").decode() == expected.replace(T, "tok")


def test_identical_cards_are_each_found_in_their_own_place():
    cards = {1: "<p>[deleted]</p>", 2: "<p>[deleted]</p>"}
    shared = SharedThread.cut("<p>[deleted]</p>|<p>[deleted]</p>", cards)
    assert shared.cards[1] != shared.cards[2]
    assert b"".join(shared.slots[shared.cards[2][0]:shared.cards[2][1]]) == b"<p>[deleted]</p>"


def test_a_card_missing_from_the_thread_is_left_out_and_logged(caplog):
    cards = {1: "<p>one</p>", 2: "<p>not printed</p>", 3: "<p>three</p>"}
    with caplog.at_level(logging.ERROR, logger="forum"):
        shared = SharedThread.cut("<p>one</p><p>three</p>", cards)
    assert set(shared.cards) == {1, 3}
    assert joined(list(shared.slots)) == b"<p>one</p><p>three</p>"
    assert "comment 2's card" in caplog.text
