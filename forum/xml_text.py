"""Text for the XML the forum writes (both Atom feeds, every SVG chart).

XML 1.0 cannot carry some characters at all, escaped or not: the C0 controls but tab, line
feed and carriage return, lone surrogates, and U+FFFE and U+FFFF. Stored text may hold them
(input checks change over time; older rows stay), and one of them makes a whole feed or
chart unreadable, so every XML output passes its text through `xml_text`, which drops them.
Escaping stays the serialiser's job (ElementTree, markupsafe).
"""

import re

_NOT_XML = re.compile(r"[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: object) -> str:
    """`text` as a string without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", str(text))
