"""The characters user text may hold: one set of rules for every form and every JSON field.

Two kinds of field:

- single-line text (titles, notes, resolution notes, source addresses, report text, reasons,
  searches): no control characters, no invisible characters and no characters that reorder the
  text around them. A title that looks like one thing and holds another (a bidi override that
  turns "yes" into "sey", a zero-width space that makes two equal-looking titles differ) has
  no place in a one-line label. The zero-width joiner goes too, though emoji sequences use it:
  a title loses at most the joined look of one emoji, and nothing hides in it.
- prose (Markdown criteria, comments, the bio): the same control characters and noncharacters
  are refused, and so are the bidi embeddings, overrides and isolates, which reorder whole runs
  ("Trojan Source"). The bidi marks (LRM, RLM, ALM) and the zero-width characters stay: writers
  of Arabic, Hebrew and Persian need them, and emoji sequences need the joiner.

Lone surrogates (possible only in JSON, as "\\ud800") are never text: UTF-8 can't encode them,
so PostgreSQL and SQLite can't store them. NUL can't be stored in PostgreSQL either.
"""

import re

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls; lone surrogates.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
# Unicode noncharacters: U+FDD0-U+FDEF and the last two code points of every plane. XML
# (the Atom feeds) forbids U+FFFE and U+FFFF.
_NONCHARACTER = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
_BIDI_RUNS = "\u202a-\u202e\u2066-\u2069"  # embeddings, overrides and isolates
_BIDI_MARKS = "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
# Zero-width space, non-joiner and joiner, word joiner, the invisible operators, the Mongolian
# vowel separator and the byte order mark (a zero-width no-break space inside text).
_INVISIBLE = "\u200b-\u200d\u2060-\u2064\u180e\ufeff"

CONTROL_MESSAGE = "Remove the control characters (such as NUL) from this text."
NONCHARACTER_MESSAGE = "Remove the noncharacters (such as U+FFFE) from this text: they are not text."
BIDI_MESSAGE = ("Remove the bidirectional override and isolate characters (U+202A–U+202E, "
                "U+2066–U+2069): they reorder the text around them.")
INVISIBLE_MESSAGE = ("Remove the invisible characters (zero-width spaces and joiners, direction "
                     "marks, byte order marks) from this text.")

_SURROGATE = re.compile("[\ud800-\udfff]")
_PROSE_CHECKS = (
    (re.compile(f"[{_CONTROL}]"), CONTROL_MESSAGE),
    (re.compile(f"[{_NONCHARACTER}]"), NONCHARACTER_MESSAGE),
    (re.compile(f"[{_BIDI_RUNS}]"), BIDI_MESSAGE),
)
_LINE_CHECKS = (*_PROSE_CHECKS, (re.compile(f"[{_BIDI_MARKS}{_INVISIBLE}]"), INVISIBLE_MESSAGE))


def has_control_characters(text: str) -> bool:
    """True when the text holds a control character (C0 but tab and newlines, DEL, C1) or half
    of a surrogate pair: characters no keyboard types and no database should store."""
    return bool(_PROSE_CHECKS[0][0].search(text))


def has_lone_surrogate(text: str) -> bool:
    """True when the text holds half of a UTF-16 surrogate pair, which UTF-8 can't encode."""
    return bool(_SURROGATE.search(text))


def prose_problem(text: str) -> str | None:
    """What is wrong with the characters of a multi-line text (Markdown, a bio); None if fine."""
    return next((message for pattern, message in _PROSE_CHECKS if pattern.search(text)), None)


def line_problem(text: str) -> str | None:
    """What is wrong with the characters of a single-line text (a title, a note, an address);
    None if fine."""
    return next((message for pattern, message in _LINE_CHECKS if pattern.search(text)), None)


def storable(text: str) -> str:
    """The text with lone surrogates written out as `\\udXXX`, for keys and log lines that
    must be encodable whatever a client sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
