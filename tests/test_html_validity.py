"""Every page type is valid HTML (issue 15, items 9, 11 and 12).

The W3C Nu HTML checker (vnu.jar from npm, `make node_modules`) reads the HTML of every page
type in every state (tests/page_support.py) in one run, and must report no error. Its
`<time datetime>` rules are checked here too, on their own, so a date written with more than
millisecond precision fails with a clear message even where Java is missing."""

import json
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

TIME_ELEMENT = re.compile(r"<time\b[^>]*>", re.IGNORECASE)
DATETIME_ATTRIBUTE = re.compile(r"""\sdatetime\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
                                re.IGNORECASE)
# What the attribute holds on this site: a date, or a UTC instant to the millisecond at most
# (HTML: "a fraction of a second must be one, two, or three digits").
VALID_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?")


def nu_checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        pytest.fail(f"The Nu checker needs Java and {VNU.relative_to(ROOT)}: run "
                    "`make node_modules` (and apt-get install default-jre-headless)",
                    pytrace=False)
    return [java, "-jar", str(VNU)]


def test_every_page_type_passes_the_nu_checker(rendered_pages, tmp_path):
    assert len({page.template for page in rendered_pages}) > 20
    files = {}
    for number, page in enumerate(rendered_pages):
        path = tmp_path / f"page-{number:04d}.html"
        path.write_text(page.html, encoding="utf-8")
        files[path.name] = page
    result = subprocess.run(
        [*nu_checker(), "--errors-only", "--format", "json", *map(str, files_of(tmp_path))],
        check=False, capture_output=True, text=True, timeout=300)
    try:
        messages = json.loads(result.stderr)["messages"]
    except ValueError:
        pytest.fail(f"vnu.jar failed (exit {result.returncode}): {result.stderr[-2000:]}")
    errors = [message for message in messages if message.get("type") == "error"]
    report = []
    for message in errors[:400]:
        page = files[message["url"].rsplit("/", 1)[-1]]
        report.append(f"{page.name} [{page.template}] line {message.get('lastLine')}: "
                      f"{message['message']}\n    {message.get('extract', '')!r}")
    assert errors == [], f"{len(errors)} Nu checker errors:\n" + "\n".join(report)


def files_of(folder: Path) -> list[Path]:
    return sorted(folder.glob("page-*.html"))


def test_time_elements_say_dates_to_the_millisecond_at_most(rendered_pages):
    seen, wrong = 0, []
    for page in rendered_pages:
        for element in TIME_ELEMENT.findall(page.html):
            attribute = DATETIME_ATTRIBUTE.search(element)
            if attribute is None:
                continue
            value = next(group for group in attribute.groups() if group is not None)
            seen += 1
            if not VALID_DATETIME.fullmatch(value):
                wrong.append(f"{page.name}: {element}")
    assert seen > 50
    assert wrong == [], "\n".join(wrong[:20])


@pytest.mark.parametrize(("value", "expected"), [
    (datetime(2027, 6, 30, 14, 5, 9, 123456), "2027-06-30T14:05:09.123Z"),
    (datetime(2027, 6, 30, 14, 5, 9, 999999), "2027-06-30T14:05:09.999Z"),
    (datetime(2027, 6, 30, 14, 5, 9), "2027-06-30T14:05:09.000Z"),
    (date(2027, 6, 30), "2027-06-30"),
    (None, ""),
])
def test_the_datetime_attribute_filter(value, expected):
    from forum.templating import datetime_attribute

    assert datetime_attribute(value) == expected


def test_no_page_carries_a_character_html_forbids(client, article):
    """Stored text from before today's input checks (or put there by hand) may hold C1
    controls and noncharacters: the page shows U+FFFD in their place, in text and in
    attributes alike."""
    from forum.extensions import db
    from tests.factories import make_comment, make_prediction, make_user

    author = make_user("author")
    prediction = make_prediction(article, author, title="A claim stored long ago")
    comment = make_comment(prediction, author, "Plain for now.")
    prediction.title = "Old\x85claim\ufdd0 with\x01controls\U0010ffff"
    comment.body_html = "<p>Old\x9fbody\ufffe</p>"
    db.session.commit()
    for path in (f"/predictions/{prediction.id}", f"/articles/{article.slug}/predictions",
                 "/users/author"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                             "\U0010fffe\U0010ffff]", page), path
        assert "Old\ufffdclaim\ufffd with\ufffdcontrols\ufffd" in page, path
    shown = client.get(f"/predictions/{prediction.id}").get_data(as_text=True)
    assert "<p>Old\ufffdbody\ufffd</p>" in shown
    assert 'content="Old\ufffdclaim' in shown  # the attribute of the sharing tags too
