"""`html_text` (forum/xml_text.py) replaces exactly the code points HTML forbids in a document,
every one of the 1,114,112 checked, and stays fast on a page-sized text: every page, a cached
one included, passes through it."""

import time

from forum.xml_text import html_text

FORBIDDEN = (
    set(range(0x09)) | {0x0B} | set(range(0x0E, 0x20)) | set(range(0x7F, 0xA0))
    | set(range(0xD800, 0xE000)) | set(range(0xFDD0, 0xFDF0))
    | {plane * 0x10000 + last for plane in range(17) for last in (0xFFFE, 0xFFFF)}
)


def test_every_code_point_html_forbids_becomes_a_replacement_character_and_no_other():
    everything = "".join(chr(code) for code in range(0x110000))
    expected = "".join("\ufffd" if code in FORBIDDEN else chr(code) for code in range(0x110000))
    assert html_text(everything) == expected


def test_astral_characters_around_noncharacters_are_kept():
    assert html_text("a\U0001f600\U0001fffe\U0010ffff\U0010fffd") == "a\U0001f600\ufffd\ufffd\U0010fffd"


def test_a_page_sized_text_is_scanned_in_a_few_milliseconds():
    page = "<p>Forecasts on “the summit” — 70 % é</p>\n" * 5000  # 210,000 characters
    best = min(_timed(html_text, page) for _ in range(5))
    assert best < 0.005, f"{best * 1000:.1f} ms for {len(page)} characters"  # was 26 ms


def _timed(function, text: str) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started
