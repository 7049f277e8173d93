"""Marking the passages that predictions quote in the article's rendered HTML.

A quote is stored as the passage's plain text, whitespace collapsed (SPEC.md §2), so it is
found again by reading the HTML the way `forum.markdown.plain_text` does: tags dropped, a
space at every block boundary, entities decoded, whitespace collapsed. Each visible character
keeps its place in the HTML, so a match maps back to the text it came from. A passage is
wrapped in one `<mark>` per run of text it covers, so the marks never cross a tag and the
HTML stays well nested even when the quote spans emphasis, links or paragraphs.

A pasted or typed passage is compared after normalising both sides the same way
(`find_passage`): NFKC, curly quotes and apostrophes as straight ones, every dash and minus as
a hyphen, invisible format characters dropped and runs of whitespace (nbsp included) as one
space. So "don't" typed with a straight apostrophe finds "don’t" in the article, both when the
quote is checked on posting and when the article is marked.
"""

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup, escape

_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);")
_BLOCK = re.compile(r"</?(?:p|h\d|li|blockquote|pre|tr|br|hr)\b")  # as in plain_text
_LINK_OPEN = re.compile(r"<a\b")


_QUOTE_FOLDS = str.maketrans({
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
})


def _fold(cluster: str) -> str:
    """One character (with its combining marks) as quotes are compared."""
    folded = unicodedata.normalize("NFKC", cluster).translate(_QUOTE_FOLDS)
    return "".join(" " if char.isspace() else char for char in folded
                   if unicodedata.category(char) != "Cf")


def _normalised(text: str) -> tuple[str, list[int], list[int]]:
    """The text as quotes are compared, and for each of its characters where it came from in
    `text` (the start and the end of the source character and its combining marks)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index = 0
    while index < len(text):
        end = index + 1
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        for char in _fold(text[index:end]):
            if char == " " and (not out or out[-1] == " "):
                continue  # runs of whitespace are one space; leading space dropped
            out.append(char)
            starts.append(index)
            ends.append(end)
        index = end
    return "".join(out), starts, ends


def normalise_quote(text: str) -> str:
    """A passage as it is compared with the article's text (see the module's docstring)."""
    return _normalised(text)[0].strip()


_SPACES = re.compile(r"\s+")


def fold_text(text: str) -> str:
    """`normalise_quote` for a whole text at once, when no position has to be mapped back
    (comparing claims): the same folding, mostly by C-level string methods."""
    folded = unicodedata.normalize("NFKC", text).translate(_QUOTE_FOLDS)
    if not folded.isprintable():  # drop format characters (soft hyphens, zero widths)
        folded = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return _SPACES.sub(" ", folded).strip()


def find_passage(text: str, quote: str) -> tuple[int, int] | None:
    """Where the passage `quote` first occurs in `text`, compared normalised: the span of
    `text` it covers (so the article's own characters can be kept), or None."""
    wanted = normalise_quote(quote)
    if not wanted:
        return None
    normal, starts, ends = _normalised(text)
    at = normal.find(wanted)
    if at < 0:
        return None
    return starts[at], ends[at + len(wanted) - 1]


def cite_id(quote: str) -> str:
    """A stable anchor for a quoted passage, the same on the article and the prediction page."""
    return "cite-" + hashlib.sha1(quote.encode()).hexdigest()[:10]


@dataclass
class Citation:
    """A distinct passage and the predictions that quote it (hottest first)."""

    quote: str
    predictions: list[tuple[int, str]] = field(default_factory=list)
    marked: bool = False

    @property
    def anchor(self) -> str:
        return cite_id(self.quote)

    @property
    def count(self) -> int:
        return len(self.predictions)


def group_citations(rows) -> list[Citation]:
    """(id, title, quote) rows to one Citation per distinct quote, most cited first."""
    by_quote: dict[str, Citation] = {}
    for prediction_id, title, quote in rows:
        by_quote.setdefault(quote, Citation(quote)).predictions.append((prediction_id, title))
    return sorted(by_quote.values(), key=lambda citation: -citation.count)


@dataclass
class _Char:
    start: int  # where the character's source begins in the HTML; -1 for a block boundary
    end: int
    run: int  # which run of text (between two tags) it belongs to
    link_start: int | None  # where the enclosing <a> begins, if any


def _visible_characters(body_html: str) -> tuple[str, list[_Char]]:
    """The text a reader sees (as plain_text computes it) and where each character came from."""
    text: list[str] = []
    chars: list[_Char] = []
    run, link_start, position = 0, None, 0

    def add(char: str, start: int, end: int) -> None:
        if char.isspace():
            if not text or text[-1] == " ":
                return  # collapse runs of whitespace; drop leading whitespace
            char = " "
        text.append(char)
        chars.append(_Char(start, end, run, link_start))

    for tag in _TAG.finditer(body_html):
        _add_text(body_html, position, tag.start(), add)
        run += 1
        source = tag.group()
        if _BLOCK.match(source):
            add(" ", -1, -1)
        if _LINK_OPEN.match(source):
            link_start = tag.start()
        elif source.startswith("</a"):
            link_start = None
        position = tag.end()
    _add_text(body_html, position, len(body_html), add)
    while text and text[-1] == " ":
        text.pop()
        chars.pop()
    return "".join(text), chars


def _add_text(source: str, start: int, end: int, add) -> None:
    index = start
    while index < end:
        entity = _ENTITY.match(source, index, end) if source[index] == "&" else None
        if entity:
            for char in html.unescape(entity.group()):
                add(char, index, entity.end())
            index = entity.end()
        else:
            add(source[index], index, index + 1)
            index += 1


def mark_citations(body_html: str, citations: list[Citation], marker_href) -> Markup:
    """The article HTML with each citation's first occurrence wrapped in `<mark class="cited">`
    and preceded by a margin marker linking to `marker_href(citation)`. A citation that isn't
    found, or that overlaps one already marked, stays unmarked (`citation.marked` is False)."""
    text, chars = _visible_characters(body_html)
    taken: list[tuple[int, int]] = []
    inserts: list[tuple[int, int, str]] = []  # (html offset, order, markup)
    for citation in citations:
        span = find_passage(text, citation.quote) if citation.quote else None
        if span is None:
            continue
        start, end = span
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        taken.append((start, end))
        citation.marked = True
        inserts.extend(_mark_inserts(chars[start:end], citation, marker_href))
    pieces, position = [], 0
    for offset, _, markup in sorted(inserts):
        pieces.append(body_html[position:offset])
        pieces.append(markup)
        position = offset
    pieces.append(body_html[position:])
    return Markup("".join(pieces))


def _mark_inserts(span: list[_Char], citation: Citation, marker_href):
    """Open and close a mark around each run of text in the span; the first gets the anchor."""
    runs: dict[int, list[_Char]] = {}
    for char in span:
        if char.start >= 0:
            runs.setdefault(char.run, []).append(char)
    first = True
    for run_chars in runs.values():
        start, end = run_chars[0].start, run_chars[-1].end
        if first:
            count = citation.count
            label = f"{count} prediction{'s' if count != 1 else ''} cite{'s' if count == 1 else ''}"
            marker = Markup(
                '<a class="cite-marker" href="{}" data-count="{}" aria-label="{} this passage">'
                "</a>"
            ).format(marker_href(citation), count, label)
            at = run_chars[0].link_start if run_chars[0].link_start is not None else start
            yield at, 0, str(marker)
            opening = Markup('<mark class="cited" id="{}">').format(citation.anchor)
            first = False
        else:
            opening = Markup('<mark class="cited">')
        yield start, 1, str(opening)
        yield end, -1, "</mark>"


def excerpt(quote: str, limit: int = 160) -> str:
    """The start of a long quote, cut at a word, for lists."""
    if len(quote) <= limit:
        return quote
    return quote[:limit].rsplit(" ", 1)[0] + " …"


__all__ = ["Citation", "cite_id", "escape", "excerpt", "find_passage", "fold_text",
           "group_citations", "mark_citations", "normalise_quote"]
