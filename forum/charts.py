"""Server-rendered SVG charts: the crowd's history on a prediction, and tiny sparklines.

Pure functions from numbers to markup. Colours and fonts come from classes in board.css
(the Content-Security-Policy forbids inline styles); geometry uses SVG attributes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from forum.xml_text import xml_text

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 66, 20, 16, 40
MIN_SPAN = timedelta(hours=1)
DATE_TICKS = 4  # at most; few enough for 19-unit labels on a phone (see board.css)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Point:
    """A probability at an instant, drawn as a marker."""

    at: datetime
    probability: float
    label: str = ""


class _Scale:
    """Maps times and probabilities to chart coordinates."""

    def __init__(self, start: datetime, end: datetime, width: float, height: float,
                 left: float = 0, top: float = 0):
        self.start = start
        self.span = max((end - start).total_seconds(), MIN_SPAN.total_seconds())
        self.width, self.height, self.left, self.top = width, height, left, top

    def x(self, moment: datetime) -> float:
        share = (moment - self.start).total_seconds() / self.span
        return round(self.left + min(max(share, 0.0), 1.0) * self.width, 1)

    def y(self, probability: float) -> float:
        return round(self.top + (1 - probability) * self.height, 1)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _tick_steps():
    """(first tick at or after a time, the next tick, its label) for each step, finest first."""
    def every(minutes: int):
        step = timedelta(minutes=minutes)

        def first(moment: datetime) -> datetime:
            day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            if minutes > 1440:  # whole days, counted from the first of the month
                day -= timedelta(days=(day.day - 1) % (minutes // 1440))
                while day < moment:
                    day += step
                return day
            return day + step * -(-(moment - day) // step)  # the next multiple of the step

        if minutes < 1440:
            def label(at: datetime) -> str:
                return f"{at:%H:%M}" if at.hour or at.minute else f"{at.day} {_MONTHS[at.month - 1]}"
        else:
            def label(at: datetime) -> str:
                return f"{at.day} {_MONTHS[at.month - 1]}"
        return first, lambda at: at + step, label

    def months(count: int):
        def first(moment: datetime) -> datetime:
            start = _add_months(moment, 0).replace(hour=0, minute=0, second=0, microsecond=0)
            start = _add_months(start, -((start.month - 1) % count))
            while start < moment:
                start = _add_months(start, count)
            return start

        def label(at: datetime) -> str:
            return f"{_MONTHS[at.month - 1]} {at:%Y}" if count < 12 else f"{at:%Y}"
        return first, lambda at: _add_months(at, count), label

    return [every(minutes) for minutes in (10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080, 20160)] + [
        months(count) for count in (1, 3, 6, 12, 24, 60, 120)]


def time_ticks(start: datetime, end: datetime, most: int = DATE_TICKS) -> list[tuple[datetime,
                                                                                    str]]:
    """Evenly stepped, readable date ticks inside [start, end]: hours for a day, days for a
    month, months for a year and so on; at most `most` (at least one)."""
    for first, following, label in _tick_steps():  # noqa: B007 (the chosen step labels below)
        ticks, moment = [], first(start)
        while moment <= end and len(ticks) <= most:
            ticks.append(moment)
            moment = following(moment)
        if len(ticks) <= most:
            break
    if not ticks:
        ticks = [start]
    return [(moment, label(moment)) for moment in ticks]


def _step_path(history: Sequence[tuple[datetime, float]], scale: _Scale, end: datetime) -> str:
    """A step line: each median holds until the next change, the last one until `end`."""
    if not history:
        return ""
    first_time, first_value = history[0]
    parts = [f"M{scale.x(first_time)} {scale.y(first_value)}"]
    for moment, value in history[1:]:
        parts.append(f"H{scale.x(moment)}V{scale.y(value)}")
    parts.append(f"H{scale.x(end)}")
    return "".join(parts)


def _percent(probability: float) -> str:
    number = probability * 100
    return f"{round(number)} %" if abs(number - round(number)) < 0.05 else f"{number:.1f} %"


def crowd_chart(history: Sequence[tuple[datetime, float]], *, start: datetime, end: datetime,
                chart_id: str, title: str, description: str, author: Point | None = None,
                mine: Sequence[Point] = (), rule: Point | None = None,
                line_end: datetime | None = None, late: Sequence[Point] = ()) -> Markup:
    """The crowd median over time as a step line on a 0–100 % axis with date ticks, the
    author's first forecast as a diamond, the viewer's forecasts as dots and the resolution
    as a rule. The line stops at `line_end` (a resolved prediction's T_end: what counts);
    `late` forecasts, made after it, are hollow rings apart from it, never part of the line.

    The axis spans at least MIN_SPAN, widened into the past: a prediction younger than that
    is drawn at the right, up to `end` (now, while it is open), and no tick names a time
    that has not come."""
    line_end = min(line_end or end, end)
    start = min(start, end - MIN_SPAN)
    title, description = xml_text(title), xml_text(description)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    scale = _Scale(start, end, plot_w, plot_h, LEFT, TOP)
    out = [
        (f'<svg class="chart crowd-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
         f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, description),
        '<g class="chart-grid">',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = scale.y(tick)
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y}" y2="{y}"/>')
        out.append(f'<text class="chart-label" x="{LEFT - 8}" y="{y + 4}" '
                   f'text-anchor="end">{round(tick * 100)} %</text>')
    out.append("</g>")
    baseline = TOP + plot_h + 26
    out.append('<g class="chart-ticks">')
    for moment, label in time_ticks(start, end):
        x = scale.x(moment)
        anchor = "start" if x < LEFT + 30 else ("end" if x > LEFT + plot_w - 30 else "middle")
        out.append(f'<line x1="{x}" x2="{x}" y1="{TOP + plot_h}" y2="{TOP + plot_h + 6}"/>')
        out.append(Markup('<text class="chart-label chart-tick" x="{}" y="{}" '
                          'text-anchor="{}">{}</text>').format(x, baseline, anchor, label))
    out.append("</g>")
    if rule is not None:
        x = scale.x(rule.at)
        out.append(f'<line class="chart-rule" x1="{x}" x2="{x}" y1="{TOP}" y2="{TOP + plot_h}"/>')
        anchor = "end" if x > LEFT + plot_w * 0.7 else "start"
        offset = -5 if anchor == "end" else 5
        out.append(Markup('<text class="chart-label chart-rule-label" x="{}" y="{}" '
                          'text-anchor="{}">{}</text>').format(x + offset, TOP + 12, anchor,
                                                                xml_text(rule.label)))
    if history:
        out.append(f'<path class="chart-line" d="{_step_path(history, scale, line_end)}" '
                   f'fill="none"/>')
    for point in late:
        out.append(Markup('<circle class="chart-late" cx="{}" cy="{}" r="4.5">'
                          '<title>{}</title></circle>').format(
                              scale.x(point.at), scale.y(point.probability),
                              xml_text(point.label)))
    if author is not None:
        x, y = scale.x(author.at), scale.y(author.probability)
        out.append(Markup('<path class="chart-author" d="M{} {}l6 6l-6 6l-6-6z">'
                          '<title>{}</title></path>').format(x, y - 6, xml_text(author.label)))
    for point in mine:
        out.append(Markup('<circle class="chart-mine" cx="{}" cy="{}" r="4.5">'
                          '<title>{}</title></circle>').format(
                              scale.x(point.at), scale.y(point.probability),
                              xml_text(point.label)))
    out.append("</svg>")
    return Markup("".join(str(part) for part in out))


def sparkline(history: Sequence[tuple[datetime, float]], *, start: datetime,
              end: datetime) -> Markup:
    """A tiny step line of the crowd median, decorative (the numbers are shown beside it), on
    the fixed 0–100 % scale of every row, so rows compare at a glance: a faint frame marks 0
    and 100 %, a dashed line 50 %."""
    if len(history) < 2:
        return Markup("")
    end = max(end, start + MIN_SPAN)
    width, height = 96, 24
    scale = _Scale(start, end, width - 2, height - 4, 1, 2)
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<rect class="sparkline-frame" x="0" y="{scale.y(1)}" width="{width}" '
        f'height="{scale.y(0) - scale.y(1)}" vector-effect="non-scaling-stroke"/>'
        f'<line class="sparkline-mid" x1="0" x2="{width}" y1="{scale.y(0.5)}" '
        f'y2="{scale.y(0.5)}" vector-effect="non-scaling-stroke"/>'
        f'<path d="{_step_path(history, scale, end)}" fill="none" '
        f'vector-effect="non-scaling-stroke"/></svg>'
    )


DIST_WIDTH, DIST_HEIGHT = 360, 170  # it sits in the narrow column beside the page too
DIST_SIDE = 18
DIST_BINS = 10


def distribution_bins(values: Sequence[float]) -> list[int]:
    """How many of the values fall in each tenth of the scale: [0, 10 %), …, [90, 100 %]."""
    counts = [0] * DIST_BINS
    for value in values:
        counts[min(int(value * DIST_BINS + 1e-9), DIST_BINS - 1)] += 1
    return counts


def distribution_chart(values: Sequence[float], *, chart_id: str, title: str,
                       description: str, median: float | None = None) -> Markup:
    """A histogram of standing forecasts in tenths of the 0–100 % scale, each bar labelled
    with its count, and the crowd median as a rule."""
    title, description = xml_text(title), xml_text(description)
    counts = distribution_bins(values)
    tallest = max(counts) or 1
    left = DIST_SIDE
    plot_w, plot_h = DIST_WIDTH - 2 * DIST_SIDE, DIST_HEIGHT - TOP - BOTTOM - 22
    top = TOP + 22  # room for the counts above the tallest bar
    bar_w = plot_w / DIST_BINS
    out = [
        (f'<svg class="chart distribution-chart" viewBox="0 0 {DIST_WIDTH} {DIST_HEIGHT}" '
         f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
         f'xmlns="http://www.w3.org/2000/svg">'),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, description),
        (f'<line class="chart-axis" x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" '
         f'y2="{top + plot_h}"/>'),
    ]
    for index, count in enumerate(counts):
        x = round(left + index * bar_w + 2, 1)
        height = round(plot_h * count / tallest, 1)
        if count:
            out.append(f'<rect class="chart-bar" x="{x}" y="{round(top + plot_h - height, 1)}" '
                       f'width="{round(bar_w - 4, 1)}" height="{height}"/>')
            out.append(f'<text class="chart-label chart-count" x="{round(x + bar_w / 2 - 2, 1)}"'
                       f' y="{round(top + plot_h - height - 5, 1)}" '
                       f'text-anchor="middle">{count}</text>')
    for tick in (0, 0.5, 1):
        x = round(left + tick * plot_w, 1)
        anchor = "start" if tick == 0 else ("end" if tick == 1 else "middle")
        out.append(f'<text class="chart-label" x="{x}" y="{top + plot_h + 24}" '
                   f'text-anchor="{anchor}">{round(tick * 100)} %</text>')
    if median is not None:
        x = round(left + median * plot_w, 1)
        out.append(f'<line class="chart-rule" x1="{x}" x2="{x}" y1="{TOP}" '
                   f'y2="{top + plot_h}"/>')
    out.append("</svg>")
    return Markup("".join(str(part) for part in out))


def describe_history(history: Sequence[tuple[datetime, float]]) -> str:
    """A sentence for screen readers: where the crowd started, where it is, its range."""
    if not history:
        return "Nobody has forecast yet."
    values = [value for _, value in history]
    first, last = values[0], values[-1]
    if len(values) == 1:
        return f"The crowd median is {_percent(last)}."
    return (f"The crowd median started at {_percent(first)} and is now {_percent(last)}, "
            f"ranging from {_percent(min(values))} to {_percent(max(values))} over "
            f"{len(values)} changes.")


__all__ = ["Point", "crowd_chart", "describe_history", "distribution_bins", "distribution_chart",
           "escape", "sparkline", "time_ticks"]
