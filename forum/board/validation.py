"""Reading a prediction or a forecast from a form or a JSON body: the rules of SPEC.md §2,
each with a message that says how to fix it. Both the pages and the API call these."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from forum import clock
from forum.board.citations import find_passage
from forum.errors import Invalid
from forum.forms import declare_limits
from forum.lifecycle import latest_resolution_date
from forum.markdown import collapse_whitespace
from forum.params import DATE_MESSAGE, read_date, read_decimal
from forum.text import line_problem, prose_problem

TITLE_LENGTH = (10, 200)
CRITERIA_LENGTH = (10, 5000)
QUOTE_MAX = 1000
QUOTE_MIN = 3
REASON_MAX = 280
PROBABILITY_RANGE = (0.01, 0.99)
declare_limits(title=TITLE_LENGTH[1], criteria=CRITERIA_LENGTH[1], quote=QUOTE_MAX,
               probability_min=round(PROBABILITY_RANGE[0] * 100),
               probability_max=round(PROBABILITY_RANGE[1] * 100))

@dataclass(frozen=True)
class PredictionDraft:
    title: str
    criteria: str
    resolution_date: date
    probability: float | None = None
    quote: str | None = None


def read_text(data: Mapping, name: str, bounds: tuple[int, int], errors: dict,
              single_line: bool = True) -> str | None:
    """A required string field, trimmed, within bounds, holding only characters that its kind
    of field allows (forum.text)."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = ["This is required."]
        return None
    value = value.strip()
    if problem := (line_problem if single_line else prose_problem)(value):
        errors[name] = [problem]
        return None
    low, high = bounds
    if not low <= len(value) <= high:
        errors[name] = [f"Use {low}–{high} characters (you have {len(value)})."]
        return None
    return value


def read_probability(value, errors: dict, name: str = "probability", percent: bool = False):
    """A probability in [0.01, 0.99]; a form may give it in percent (1–99), and must: the
    box starts empty, so a missing number is a choice not yet made."""
    number = None
    if percent and (value is None or (isinstance(value, str) and not value.strip())):
        errors[name] = ["Choose your probability: a number from 1 to 99 (%)."]
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if -2 <= value <= 2 else math.inf  # float(10**400) overflows
    elif isinstance(value, str) and value.strip():
        number = read_decimal(value.strip().removesuffix("%").strip())
    if number is None or not math.isfinite(number):
        errors[name] = ["Give a number" + (" from 1 to 99 (%)." if percent else
                                           " from 0.01 to 0.99.")]
        return None
    if percent:
        number = number / 100
    low, high = PROBABILITY_RANGE
    if not low - 1e-12 <= number <= high + 1e-12:
        errors[name] = ["Probabilities run from 1 % to 99 %: nothing is certain." if percent
                        else "The probability must be from 0.01 to 0.99."]
        return None
    return round(min(max(number, low), high), 6)


def read_reason(value, errors: dict, name: str = "reason") -> str | None:
    """A forecast's optional reason: one line of at most REASON_MAX characters, the same
    character rules as a title (forum.text); empty means none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        errors[name] = ["Give the reason as text, or leave it out."]
        return None
    if problem := line_problem(value):  # before split(), which would hide U+0085
        errors[name] = [problem]
        return None
    value = " ".join(value.split())
    if len(value) > REASON_MAX:
        errors[name] = [f"Keep the reason to {REASON_MAX} characters (you have {len(value)})."]
        return None
    return value


def read_resolution_date(value, errors: dict, name: str = "resolution_date") -> date | None:
    """A date written YYYY-MM-DD, strictly after today (UTC) and at most ten years ahead."""
    parsed = read_date(value)
    if parsed is None:
        errors[name] = [DATE_MESSAGE]
        return None
    today = clock.today()
    if parsed <= today:
        errors[name] = ["Choose a date after today (UTC): predictions are about the future."]
    elif parsed > latest_resolution_date(today):
        errors[name] = ["Choose a date at most ten years ahead."]
    return None if name in errors else parsed


def read_quote(value, article_text: str, errors: dict) -> str | None:
    """Optional passage of the article; it must occur in the article, compared after
    normalising quotes, apostrophes, dashes and spaces (forum.board.citations.find_passage).
    The article's own characters are kept, so the passage reads as it does there."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        errors["quote"] = ["The quote must be text from the article."]
        return None
    quote = collapse_whitespace(value)
    if len(quote) > QUOTE_MAX:
        errors["quote"] = [f"Quote at most {QUOTE_MAX} characters of the article."]
    elif len(quote) < QUOTE_MIN:
        errors["quote"] = [f"Quote at least {QUOTE_MIN} characters, or leave the quote empty."]
    elif (span := find_passage(article_text, quote)) is None:
        errors["quote"] = [("That passage isn't in the article. Select the text on the page, or "
                            "leave the quote empty.")]
    else:
        quote = article_text[span[0]:span[1]]
    return None if "quote" in errors else quote


def read_prediction(data: Mapping, article_text: str, percent: bool = False) -> PredictionDraft:
    """A new prediction: claim, criteria, date, the author's probability and an optional quote."""
    errors: dict[str, list[str]] = {}
    title = read_text(data, "title", TITLE_LENGTH, errors)
    criteria = read_text(data, "criteria", CRITERIA_LENGTH, errors, single_line=False)
    probability = read_probability(data.get("probability"), errors, percent=percent)
    resolution_date = read_resolution_date(data.get("resolution_date"), errors)
    quote = read_quote(data.get("quote"), article_text, errors)
    if errors:
        raise Invalid(errors)
    return PredictionDraft(title, criteria, resolution_date, probability, quote)


def read_prediction_edit(data: Mapping) -> PredictionDraft:
    """An author's edit: claim, criteria and date (the probability changes by forecasting)."""
    errors: dict[str, list[str]] = {}
    title = read_text(data, "title", TITLE_LENGTH, errors)
    criteria = read_text(data, "criteria", CRITERIA_LENGTH, errors, single_line=False)
    resolution_date = read_resolution_date(data.get("resolution_date"), errors)
    if errors:
        raise Invalid(errors)
    return PredictionDraft(title, criteria, resolution_date)
