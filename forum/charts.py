"""Server-rendered SVG charts: the crowd's history on a prediction, and tiny sparklines.

Pure functions from numbers to markup. Colours and fonts come from classes in board.css
(the Content-Security-Policy forbids inline styles); geometry uses SVG attributes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from forum.xml_text import xml_text

WIDTH, HEIGHT = 560, 250
LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 34
MIN_SPAN = timedelta(hours=1)


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
                start_label: str = "", end_label: str = "") -> Markup:
    """The crowd median over time as a step line on a 0–100 % axis, with the author's first
    forecast as a diamond, the viewer's forecasts as dots and the resolution as a rule."""
    end = max(end, start + MIN_SPAN)
    title, description = xml_text(title), xml_text(description)
    start_label, end_label = xml_text(start_label), xml_text(end_label)
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
    baseline = TOP + plot_h + 22
    out.append(Markup('<text class="chart-label" x="{}" y="{}">{}</text>').format(
        LEFT, baseline, start_label))
    out.append(Markup('<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>')
               .format(LEFT + plot_w, baseline, end_label))
    if rule is not None:
        x = scale.x(rule.at)
        out.append(f'<line class="chart-rule" x1="{x}" x2="{x}" y1="{TOP}" y2="{TOP + plot_h}"/>')
        anchor = "end" if x > LEFT + plot_w * 0.7 else "start"
        offset = -5 if anchor == "end" else 5
        out.append(Markup('<text class="chart-label chart-rule-label" x="{}" y="{}" '
                          'text-anchor="{}">{}</text>').format(x + offset, TOP + 12, anchor,
                                                                xml_text(rule.label)))
    if history:
        out.append(f'<path class="chart-line" d="{_step_path(history, scale, end)}" '
                   f'fill="none"/>')
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
    """A tiny step line of the crowd median, decorative (the numbers are shown beside it)."""
    if len(history) < 2:
        return Markup("")
    end = max(end, start + MIN_SPAN)
    width, height = 96, 24
    scale = _Scale(start, end, width - 2, height - 4, 1, 2)
    return Markup(
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'<line class="sparkline-mid" x1="0" x2="{width}" y1="{scale.y(0.5)}" '
        f'y2="{scale.y(0.5)}" vector-effect="non-scaling-stroke"/>'
        f'<path d="{_step_path(history, scale, end)}" fill="none" '
        f'vector-effect="non-scaling-stroke"/></svg>'
    )


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


__all__ = ["Point", "crowd_chart", "describe_history", "escape", "sparkline"]
