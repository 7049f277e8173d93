"""Importing articles from Markdown files with YAML front matter."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from forum import cache_versions, clock
from forum.errors import NotFound
from forum.extensions import db
from forum.markdown import plain_text, render_article
from forum.models import Article

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class ArticleFileError(ValueError):
    """An article file that can't be imported, with the reason in words."""


@dataclass(frozen=True)
class ArticleFile:
    slug: str
    title: str
    prompt: str
    body: str


def parse_article(text: str, source: str = "article") -> ArticleFile:
    """Split YAML front matter (title, slug, prompt) from the Markdown body, checking each."""
    match = re.match(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)(.*)\Z", text, flags=re.DOTALL)
    if not match:
        raise ArticleFileError(f"{source}: no front matter (the file must start with '---').")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise ArticleFileError(f"{source}: the front matter is not valid YAML ({error}).") from None
    if not isinstance(meta, dict):
        raise ArticleFileError(f"{source}: the front matter must be a mapping of keys to values.")
    missing = [key for key in ("title", "slug", "prompt") if not str(meta.get(key) or "").strip()]
    if missing:
        raise ArticleFileError(f"{source}: the front matter lacks {', '.join(missing)}.")
    slug = str(meta["slug"]).strip()
    if not SLUG_PATTERN.fullmatch(slug) or len(slug) > 120:
        raise ArticleFileError(f"{source}: slug {slug!r} must be lower-case words joined by '-'.")
    body = match.group(2).strip()
    if not body:
        raise ArticleFileError(f"{source}: the article has no body.")
    title = str(meta["title"]).strip()
    return ArticleFile(slug=slug, title=title[:300], prompt=str(meta["prompt"]).strip(), body=body)


def import_article(path: Path | str) -> tuple[Article, bool]:
    """Create or update the article in a file (same slug = update); returns (article, created)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate the BOM some editors write
    except FileNotFoundError:
        raise ArticleFileError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ArticleFileError(f"{path}: can't be read ({error}).") from None
    parsed = parse_article(text, str(path))
    article = find_article(parsed.slug)
    created = article is None
    if created:
        article = Article(slug=parsed.slug)
        db.session.add(article)
    body_html = render_article(parsed.body)
    article.title, article.prompt, article.body = parsed.title, parsed.prompt, parsed.body
    article.body_html, article.body_text = body_html, plain_text(body_html)
    article.updated_at = clock.now()
    cache_versions.touch(cache_versions.SITE, cache_versions.ARTICLES)
    return article, created


def bundled_articles() -> list[Path]:
    """The article files shipped in the project's content folder."""
    return sorted(CONTENT_DIR.glob("*.md"))


def find_article(slug: str) -> Article | None:
    """The article with this slug, or None; a string that can't be a slug (a NUL byte, say)
    names no article and never reaches the database."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        return None
    return db.session.scalar(select(Article).where(Article.slug == slug))


def get_article(slug: str) -> Article:
    """The article with this slug; NotFound (a 404 page or JSON error) when there is none."""
    article = find_article(slug)
    if article is None:
        raise NotFound(f"No article with slug {slug!r}.")
    return article


def featured_article() -> Article | None:
    """The most recently published article: the front page."""
    return db.session.scalar(select(Article).order_by(Article.published_at.desc()).limit(1))
