"""The board's forms. They carry the CSRF token, render the fields and keep what was typed;
the rules themselves live in forum.board.validation, shared with the JSON API."""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField

from forum import clock
from forum.board.validation import REASON_MAX
from forum.errors import Invalid
from forum.params import read_decimal

CRITERIA_HINT = "How will anyone know? Name the source."
QUOTE_HINT = ("Optional. Select a passage in the article and choose “Predict on this passage”, "
              "or paste one here; it must match the article's text.")


class ProbabilityField(StringField):
    """A probability typed in percent; it starts empty (a choice is required), and its slider
    starts where the typed number is."""

    @property
    def slider_value(self) -> int:
        """The typed percentage as a whole number in 1–99 for the slider (50, shown as unset,
        when nothing readable is typed)."""
        number = read_decimal(str(self.data or "").strip().removesuffix("%").strip())
        if number is None:
            return 50
        return min(max(round(number), 1), 99)


class PredictionForm(FlaskForm):
    """Share a prediction: the claim, your probability, the date and how it will be judged."""

    title = StringField("Your prediction", description="A claim that will turn out true or "
                        "false, e.g. “Kim and Trump meet in person before 2027”.")
    probability = ProbabilityField("How likely is it?")
    resolution_date = StringField("Resolves on", description="The day by which we will know "
                                  "(UTC). Forecasts close at the end of that day.")
    criteria = TextAreaField("Resolution criteria", description=CRITERIA_HINT)
    quote = TextAreaField("Passage it responds to", description=QUOTE_HINT)
    source = HiddenField()  # "article" or "board": where to show the posted prediction
    duplicates: list = ()  # open predictions the claim matches (shown; "post anyway" skips)


class EditPredictionForm(FlaskForm):
    """The author's edit, while nobody else has forecast."""

    title = StringField("Your prediction")
    resolution_date = StringField("Resolves on", description="The day by which we will know (UTC).")
    criteria = TextAreaField("Resolution criteria", description=CRITERIA_HINT)


class ForecastForm(FlaskForm):
    """Your probability on someone's prediction."""

    probability = ProbabilityField("Your probability")
    reason = StringField("Why? (optional)", description=(
        f"A line on what moved you, at most {REASON_MAX} characters: it appears in the "
        "discussion."), render_kw={"maxlength": REASON_MAX})


def date_shortcuts(today: date | None = None) -> list[tuple[str, str]]:
    """(label, YYYY-MM-DD) for the date picker's shortcuts, each a valid resolution date."""
    today = today or clock.today()
    end_of_year = date(today.year, 12, 31)
    if end_of_year <= today:
        end_of_year = date(today.year + 1, 12, 31)
    return [
        ("End of this year" if end_of_year.year == today.year else "End of next year",
         end_of_year.isoformat()),
        ("In 6 months", _months_ahead(today, 6).isoformat()),
        ("In a year", _months_ahead(today, 12).isoformat()),
    ]


def _months_ahead(today: date, months: int) -> date:
    month_index = today.month - 1 + months
    year, month = today.year + month_index // 12, month_index % 12 + 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return today + timedelta(days=30 * months)


def read_form_vote(raw) -> int:
    """A vote from a plain form: "1", "-1" or "0" (remove)."""
    from forum.board.services import read_vote_value

    text = raw.strip() if isinstance(raw, str) else ""
    if text in ("1", "+1", "-1", "0"):
        return read_vote_value(int(text))
    raise Invalid({"value": ["The vote must be 1, -1 or 0 (to remove it)."]})
