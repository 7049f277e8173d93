"""Markdown to safe HTML, in one place: markdown-it's rules with raw HTML off, then nh3.

Members' Markdown (comments, criteria) is parsed by markdown-it.rs, the same rules compiled:
markdown-it-py spends up to a second on 10 kB of pathological text (`[` repeated: each
unmatched bracket rescans the rest of the line; long runs of emphasis, lines or cells cost
tens of microseconds each), and a comment is rendered on every post and edit. What remains
expensive in any engine is what the input multiplies: containers nested thousands deep (nh3
and the parser recurse), tables whose header declares a thousand columns (every body line
becomes a full row) and a long reference definition used a thousand times. Those bodies are
shown as plain text instead, so rendering any 10 kB body costs a few milliseconds
(tests/test_markdown_cost.py). Where markdown-it.rs 0.6 panics (an unclosed "[" before a
backtick), a short body goes to markdown-it-py within a step budget and a long one is parsed
again with code spans left as typed. Articles, imported by an admin, keep markdown-it-py,
whose tokens give each heading its id.
"""

import contextlib
import html
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt
from markdown_it_pyrs import MarkdownIt as CompiledMarkdownIt
from markupsafe import Markup

_ALLOWED_TAGS = {
    "a", "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "del", "s", "table", "thead", "tbody", "tr", "th", "td",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}  # no style attributes: the Content-Security-Policy forbids inline styles
_USER_REL = "nofollow noopener noreferrer ugc"
_WHITESPACE = re.compile(r"\s+")


def _parser() -> MarkdownIt:
    return MarkdownIt("js-default").enable("table").enable("strikethrough")


# markdown-it's "js-default" preset with tables and strikethrough, raw HTML off (shown as text).
_USER_RULES = [
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
    "reference", "table", "autolink", "backticks", "emphasis", "entity", "escape", "image",
    "link", "newline", "strikethrough",
]
_USER_PARSER = CompiledMarkdownIt("zero").enable_many(_USER_RULES)
# markdown-it.rs 0.6 panics on an unclosed "[" before a backtick, in its code-span rule.
_USER_PARSER_NO_CODE_SPANS = CompiledMarkdownIt("zero").enable_many(
    [rule for rule in _USER_RULES if rule != "backticks"])
MAX_CONTAINER_PREFIX = 100  # characters; a nesting level takes at least one (">") or two
MAX_TABLE_CELLS = 1_000  # a comment with a bigger table is shown as text: its cost nears 50 ms
MAX_REFERENCE_COPIES = 1_000_000  # characters that reference links may copy into the page
MAX_GROWTH = 30  # rendered HTML at most this many times the source (plus a little)
FALLBACK_MAX_LENGTH = 2_000  # characters markdown-it-py may take where markdown-it.rs fails,
FALLBACK_PARSE_STEPS = 600  # and its steps on them: some milliseconds
# A nesting level is opened by ">", a list marker and its space, or more indentation, each
# before the text of its line: the longest such run bounds how deep a body can nest.
_CONTAINER_PREFIX = re.compile(r"^(?:[ \t>]|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t]))*",
                               re.MULTILINE)
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:.*?(?=\n[ \t]*\n|\Z)",
                                   re.MULTILINE | re.DOTALL)


def slugify(text: str) -> str:
    """A URL fragment for a heading: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words) or "section"


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def nest_headings(html: str, top: int) -> Markup:
    """A member's rendered Markdown placed under a heading of the page: its headings start at
    level `top` and never skip a level (h1, h4, h6 under an h2 become h3, h4, h5), so the
    page's outline stays whole (axe's heading-order, the Nu checker) whatever was typed.
    Done when the page is shown, so text stored before holds no exception."""
    levels = [int(match[2]) for match in _HEADING_TAG.finditer(html) if not match[1]]
    if not levels:
        return Markup(html)
    lowest, previous, current = min(levels), top - 1, top

    def renumber(match: re.Match) -> str:
        nonlocal previous, current
        if not match[1]:
            current = previous = min(top + int(match[2]) - lowest, previous + 1, 6)
        return f"<{match[1]}h{current}>"

    return Markup(_HEADING_TAG.sub(renumber, html))


def render_user_markdown(source: str) -> str:
    """Render a member's Markdown (comments, criteria); links get rel=nofollow … ugc."""
    rendered = _interpret(source) if _cheap_to_render(source) else None
    if rendered is None or len(rendered) > MAX_GROWTH * len(source) + 10_000:
        rendered = _plain_paragraphs(source)
    return nh3.clean(
        rendered, tags=_ALLOWED_TAGS - {"h1", "h2"}, attributes={"a": {"href", "title"}},
        link_rel=_USER_REL, url_schemes={"http", "https", "mailto"},
    )


class _OverBudget(Exception):
    """The body needs more parsing steps than FALLBACK_PARSE_STEPS."""


def _interpret(source: str) -> str | None:
    """The compiled parser's HTML. Where it panics (see above): markdown-it-py's for a short
    body, within a step budget; else the compiled parser's with code spans left as typed."""
    html_or_none = _compiled(_USER_PARSER, source)
    if html_or_none is None and len(source) <= FALLBACK_MAX_LENGTH:
        with contextlib.suppress(_OverBudget):  # over budget: the parser without code spans
            html_or_none = _metered_parser(FALLBACK_PARSE_STEPS).render(source)
    if html_or_none is None:
        html_or_none = _compiled(_USER_PARSER_NO_CODE_SPANS, source)
    return html_or_none


def _compiled(parser: CompiledMarkdownIt, source: str) -> str | None:
    try:
        return parser.render(source)
    except BaseException as error:  # a Rust panic arrives as pyo3's PanicException
        if type(error).__name__ != "PanicException":
            raise
        return None


def _metered_parser(steps: int) -> MarkdownIt:
    """markdown-it-py that stops after `steps` rule calls and bracket-scan steps: each costs
    at most some tens of microseconds, whatever the input."""
    parser, left = _parser(), [steps]

    def spend(*_args) -> bool:
        left[0] -= 1
        if left[0] < 0:
            raise _OverBudget
        return False  # matched nothing: the real rules run next

    parser.block.ruler.before("table", "budget", spend,
                              {"alt": ["paragraph", "reference", "blockquote", "list"]})
    parser.inline.ruler.before("text", "budget", spend)
    skip_token = parser.inline.skipToken  # what the link-label scan calls at every position

    def metered_skip_token(state) -> None:
        spend()
        skip_token(state)

    parser.inline.skipToken = metered_skip_token
    return parser


def _cheap_to_render(source: str) -> bool:
    """Whether the body multiplies nothing beyond what any written text does (see above)."""
    if max(map(len, _CONTAINER_PREFIX.findall(source)), default=0) > MAX_CONTAINER_PREFIX:
        return False
    if _table_cells(source.split("\n")) > MAX_TABLE_CELLS:
        return False
    longest = max((len(found) for found in _REFERENCE_DEFINITION.findall(source)), default=0)
    return longest * source.count("]") <= MAX_REFERENCE_COPIES


def _table_cells(lines: list[str]) -> int:
    """At most how many cells the tables would have: a delimiter row's columns times the
    lines up to the next blank one (every line there becomes a full row)."""
    cells, rows_below = 0, 0
    for line in reversed(lines):
        if "-" in line and not line.strip(" \t|:-"):  # a delimiter row, or a dash line
            cells += (line.strip().strip("|").count("|") + 1) * rows_below
        rows_below = rows_below + 1 if line.strip() else 0
    return cells


def _plain_paragraphs(source: str) -> str:
    """The text as written: paragraphs at blank lines, line breaks kept, nothing interpreted."""
    paragraphs = [part.strip() for part in re.split(r"\n[ \t]*\n", source) if part.strip()]
    return "".join("<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>\n"
                   for part in paragraphs)


def render_article(source: str) -> str:
    """Render an article's Markdown with an id on every heading, for anchors and the contents."""
    parser = _parser()
    tokens = parser.parse(source)
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            anchor = slugify(tokens[index + 1].content)
            seen[anchor] = seen.get(anchor, 0) + 1
            token.attrSet("id", anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}")
    rendered = parser.renderer.render(tokens, parser.options, {})
    return nh3.clean(
        rendered, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES,
        link_rel="noopener noreferrer", url_schemes={"http", "https", "mailto"},
    )


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; ends trimmed (how quotes are compared)."""
    return _WHITESPACE.sub(" ", text).strip()


def plain_text(rendered_html: str) -> str:
    """The text a reader sees in rendered HTML, whitespace collapsed."""
    spaced = re.sub(r"<(/?)(p|h\d|li|blockquote|pre|tr|br|hr)\b", r" <\1\2", rendered_html)
    return collapse_whitespace(html.unescape(nh3.clean(spaced, tags=set())))


def headings(rendered_html: str) -> list[tuple[str, str]]:
    """The (id, text) of each h2 in rendered HTML, for a table of contents."""
    found = re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', rendered_html, flags=re.DOTALL)
    return [(anchor, html.unescape(re.sub(r"<[^>]+>", "", text))) for anchor, text in found]
