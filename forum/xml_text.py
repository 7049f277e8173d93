"""Text for the XML the forum writes (both Atom feeds, every SVG chart).

XML 1.0 cannot carry some characters at all, escaped or not: the C0 controls but tab, line
feed and carriage return, lone surrogates, and U+FFFE and U+FFFF. Stored text may hold them
(input checks change over time; older rows stay), and one of them makes a whole feed or
chart unreadable, so every XML output passes its text through `xml_text`, which drops them.
Escaping stays the serialiser's job (ElementTree, markupsafe).

HTML is stricter in one way and looser in another: it takes the C1 controls and the
noncharacters as bytes but forbids them in a document (the Nu checker's "forbidden code
point"), and a page may echo them from anywhere (a refused form's own text, an old row, a
query string). `html_text` turns each into U+FFFD, the mark that a character was there.
"""

import re

_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Controls but the ASCII whitespace (tab, LF, FF, CR), DEL, the C1 controls, surrogates and
# the noncharacters: U+FDD0-U+FDEF and the last two code points of every plane. One class
# listing the 32 astral noncharacters one by one scanned a 200 KiB page in 21 ms (every page,
# cached ones included, passes here); ranges scan it in under 1 ms, so the Basic Multilingual
# Plane's are a class of ranges and the astral ones are picked out of any astral character.
_NOT_HTML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def xml_text(text: object) -> str:
    """`text` as a string without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", str(text))


def html_text(text: str) -> str:
    """`text` with every character HTML forbids in a document replaced by U+FFFD."""
    return _ASTRAL.sub(_astral_html_character, _NOT_HTML.sub("\ufffd", text))


def _astral_html_character(match: re.Match) -> str:
    """An astral character as HTML may carry it: a noncharacter (U+1FFFE, U+1FFFF, …,
    U+10FFFF, each plane's last two) becomes U+FFFD."""
    character = match.group()
    return "\ufffd" if ord(character) & 0xFFFE == 0xFFFE else character
