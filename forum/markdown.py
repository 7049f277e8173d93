"""Markdown to safe HTML, in one place: markdown-it-py's safe preset, then nh3."""

import html
import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

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


def slugify(text: str) -> str:
    """A URL fragment for a heading: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words) or "section"


def render_user_markdown(source: str) -> str:
    """Render a member's Markdown (comments, criteria); links get rel=nofollow … ugc."""
    rendered = _parser().render(source)
    return nh3.clean(
        rendered, tags=_ALLOWED_TAGS - {"h1", "h2"}, attributes={"a": {"href", "title"}},
        link_rel=_USER_REL, url_schemes={"http", "https", "mailto"},
    )


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
