"""Hosted articles: importing Markdown files, and the reading page a visitor opens first."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.articles.services import bundled_articles
from forum.extensions import db
from forum.models import Article
from tests.factories import ARTICLE_TEXT, make_article


def article_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


@pytest.fixture
def write_article(tmp_path):
    """Write an article file and return its path."""

    def write(content: str, name: str = "article.md"):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return path

    return write


# Importing --------------------------------------------------------------------------------

def test_import_creates_the_article(runner, write_article):
    result = runner.invoke(args=["articles", "import", str(write_article(ARTICLE_TEXT))])
    assert result.exit_code == 0, result.output
    assert "Imported article 'test-article': A Test Article About the Future" in result.output
    article = db.session.scalar(select(Article))
    assert article.prompt == "What are your predictions? Share your thoughts below!"
    assert '<h2 id="a-section-heading">A Section Heading</h2>' in article.body_html
    assert article.body_text.startswith("The first paragraph says something")


def test_importing_the_same_slug_again_updates_it_in_place(runner, write_article):
    path = write_article(ARTICLE_TEXT)
    runner.invoke(args=["articles", "import", str(path)])
    first = db.session.scalar(select(Article))
    first_id, published = first.id, first.published_at

    path.write_text(ARTICLE_TEXT.replace("A Test Article About the Future", "A Revised Title")
                    .replace("A second paragraph", "An edited paragraph"), encoding="utf-8")
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Updated article 'test-article': A Revised Title" in result.output
    db.session.expire_all()
    assert article_count() == 1
    article = db.session.scalar(select(Article))
    assert (article.id, article.title) == (first_id, "A Revised Title")
    assert "An edited paragraph" in article.body_html
    assert article.published_at == published  # an update is not a new publication


def test_importing_an_unchanged_file_twice_changes_nothing_visible(runner, write_article):
    path = write_article(ARTICLE_TEXT)
    for _ in range(2):
        assert runner.invoke(args=["articles", "import", str(path)]).exit_code == 0
    assert article_count() == 1


@pytest.mark.parametrize(("content", "message"), [
    ("Just a body, no front matter.\n", "no front matter (the file must start with '---')"),
    ("---\ntitle: [unclosed\n---\n\nBody.\n", "the front matter is not valid YAML"),
    ("---\n- a\n- list\n---\n\nBody.\n", "the front matter must be a mapping"),
    ("---\nslug: x\nprompt: P?\n---\n\nBody.\n", "the front matter lacks title"),
    ("---\ntitle: T\nprompt: P?\n---\n\nBody.\n", "the front matter lacks slug"),
    ("---\ntitle: T\nslug: t\n---\n\nBody.\n", "the front matter lacks prompt"),
    ("---\ntitle: T\nslug: t\nprompt: '  '\n---\n\nBody.\n", "the front matter lacks prompt"),
    ("---\ntitle: ''\nslug: ''\nprompt: P\n---\n\nBody.\n", "the front matter lacks title, slug"),
    ("---\ntitle: T\nslug: Not A Slug\nprompt: P?\n---\n\nBody.\n",
     "slug 'Not A Slug' must be lower-case words joined by '-'"),
    ("---\ntitle: T\nslug: ../etc\nprompt: P?\n---\n\nBody.\n",
     "slug '../etc' must be lower-case words joined by '-'"),
    ("---\ntitle: T\nslug: t\nprompt: P?\n---\n\n   \n", "the article has no body"),
    ("---\ntitle: T\nslug: t\nprompt: P?\n---\n", "the article has no body"),
])
def test_a_file_with_bad_front_matter_is_refused_with_the_reason(runner, write_article, content,
                                                                  message):
    path = write_article(content)
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 1
    assert f"Error: {path}: {message}" in result.output
    assert article_count() == 0


def test_a_bad_file_leaves_the_existing_article_untouched(runner, write_article, article):
    broken = ARTICLE_TEXT.replace("title: \"A Test Article About the Future\"\n", "")
    result = runner.invoke(args=["articles", "import", str(write_article(broken))])
    assert result.exit_code == 1
    db.session.expire_all()
    assert db.session.scalar(select(Article.title)) == "A Test Article About the Future"


def test_importing_a_missing_file_says_so(runner, tmp_path):
    missing = tmp_path / "nowhere.md"
    result = runner.invoke(args=["articles", "import", str(missing)])
    assert result.exit_code == 1
    assert f"Error: {missing}: no such file." in result.output


def test_importing_a_file_that_is_not_utf8_says_so(runner, tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("---\ntitle: Café\nslug: cafe\nprompt: P?\n---\n\nBody é.\n".encode("latin-1"))
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 1
    assert "can't be read" in result.output


def test_a_file_saved_with_a_byte_order_mark_or_windows_line_ends_imports(runner, tmp_path):
    path = tmp_path / "windows.md"
    path.write_bytes(b"\xef\xbb\xbf" + ARTICLE_TEXT.replace("\n", "\r\n").encode("utf-8"))
    result = runner.invoke(args=["articles", "import", str(path)])
    assert result.exit_code == 0, result.output
    article = db.session.scalar(select(Article))
    assert (article.slug, article.title) == ("test-article", "A Test Article About the Future")
    assert '<h2 id="a-section-heading">A Section Heading</h2>' in article.body_html


def test_importing_a_folder_is_refused(runner, tmp_path):
    result = runner.invoke(args=["articles", "import", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_article_markdown_cannot_inject_script(app):
    article = make_article(ARTICLE_TEXT + "\n<script>alert(1)</script>\n\n"
                           "[click](javascript:alert(2)) <img src=x onerror=alert(3)>\n")
    assert "<script" not in article.body_html
    assert 'href="javascript:' not in article.body_html  # left as harmless text
    assert "<img" not in article.body_html
    assert "&lt;script&gt;" in article.body_html  # shown as text, harmless


def test_repeated_headings_get_distinct_anchors(app):
    article = make_article(ARTICLE_TEXT + "\n## A Section Heading\n\nAgain.\n")
    assert 'id="a-section-heading"' in article.body_html
    assert 'id="a-section-heading-2"' in article.body_html


# Seeding ----------------------------------------------------------------------------------

def test_seed_imports_the_bundled_article_once(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Imported: kim-jong-un-signals-a-shift" in first.output
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert "Up to date: kim-jong-un-signals-a-shift" in second.output
    assert article_count() == len(bundled_articles()) == 1


def test_the_bundled_article_matches_the_shared_original():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "content"
    if not shared.is_dir():
        pytest.skip("the shared content folder is not beside this checkout")
    for path in bundled_articles():
        original = shared / path.name
        if original.exists():
            assert path.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")


# The reading page -------------------------------------------------------------------------

def test_home_shows_the_article_its_sections_and_its_prompt(client, article):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>A Test Article About the Future</h1>" in page
    assert "<title>A Test Article About the Future · Forecast Forum</title>" in page
    assert "The first paragraph says something worth predicting" in page
    assert '<h2 id="a-section-heading">A Section Heading</h2>' in page
    assert '<a href="#a-section-heading">A Section Heading</a>' in page  # the contents
    assert re.search(r'<h2 class="prompt" id="prompt-heading">What are your predictions\? '
                     r'Share your thoughts below!</h2>', page)
    # The prompt closes the article: it comes after the last paragraph.
    assert page.index("a passage readers may quote") < page.index('id="prompt-heading"')


def test_home_shows_the_seeded_article(client, runner):
    runner.invoke(args=["seed"])
    page = client.get("/").get_data(as_text=True)
    assert "Kim Jong Un Signals a Shift" in page
    for heading in ("The New Reality: North Korea as a Nuclear State",
                    "Russia and China: A New Axis of Support",
                    "The Three-Step Plan: A Non-Starter for Pyongyang",
                    "Implications for the Future: Arms Control, Not Denuclearization"):
        assert f">{heading}</h2>" in page
    assert "What are your predictions for the future of North Korea’s nuclear program?" in page


def test_home_features_the_most_recently_published_article(client, app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 1, tzinfo=UTC))
    make_article()
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 2, 1, tzinfo=UTC))
    make_article(ARTICLE_TEXT.replace("slug: test-article", "slug: newer")
                 .replace("A Test Article About the Future", "The Newer Article"))
    page = client.get("/").get_data(as_text=True)
    assert "<h1>The Newer Article</h1>" in page
    assert client.get("/articles/test-article").status_code == 200
    assert "<h1>A Test Article About the Future</h1>" in (
        client.get("/articles/test-article").get_data(as_text=True))


def test_home_with_no_article_shows_the_empty_state(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>No article yet</h1>" in page
    assert "forum seed" in page
    assert 'class="nav"' in page  # still in the site's layout


def test_an_unknown_article_is_not_found(client, article):
    response = client.get("/articles/no-such-article")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_the_article_page_reads_without_javascript(client, article):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page  # no inline scripts; the CSP would block them anyway
    for src in re.findall(r'<script[^>]*src="([^"]+)"', page):
        assert src.startswith("/static/")
