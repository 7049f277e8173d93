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
# the noncharacters: U+FDD0-U+FDEF and the last two code points of every plane. Two patterns,
# the Basic Multilingual Plane's and the other planes' noncharacters: one class mixing both
# scans ten times slower, and every value a page shows passes through here (a template's
# `finalize`, forum/templating.py).
_NOT_HTML_BMP = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_NOT_HTML_ASTRAL = re.compile("[" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
    + "]")


def xml_text(text: object) -> str:
    """`text` as a string without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", str(text))


def html_text(text: str) -> str:
    """`text` with every character HTML forbids in a document replaced by U+FFFD."""
    if _NOT_HTML_BMP.search(text) is None and _NOT_HTML_ASTRAL.search(text) is None:
        return text
    return _NOT_HTML_ASTRAL.sub("\ufffd", _NOT_HTML_BMP.sub("\ufffd", text))
