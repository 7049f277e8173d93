"""The calibration chart: server-rendered SVG from the ten calibration bins.

Forecast probability runs across, the share that came true runs up; the dashed diagonal is
perfect calibration. Each non-empty bin is a circle at (mean forecast, observed frequency)
whose area grows with its count, labelled with the count. Colours come from classes in
scores.css (the Content-Security-Policy forbids inline styles); geometry uses SVG attributes.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from forum.scoring import CalibrationBin
from forum.xml_text import xml_text

SIZE = 300  # the plot is square
PAD = 12  # room inside the plot so circles at 0 % and 100 % stay inside it
LEFT, TOP, RIGHT, BOTTOM = 52, 14, 22, 46
MIN_RADIUS, MAX_RADIUS = 4.0, 15.0
TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Dot:
    """One non-empty bin as drawn."""

    cx: float
    cy: float
    r: float
    count: int
    label_x: float
    label_y: float
    summary: str


def _x(probability: float) -> float:
    return round(LEFT + PAD + probability * (SIZE - 2 * PAD), 1)


def _y(probability: float) -> float:
    return round(TOP + PAD + (1 - probability) * (SIZE - 2 * PAD), 1)


def _percent(value: float) -> str:
    number = value * 100
    return f"{round(number)} %" if abs(number - round(number)) < 0.05 else f"{number:.1f} %"


def radius(count: int, largest: int) -> float:
    """Circle radius: its area is proportional to the count (the largest bin gets MAX)."""
    if largest <= 0:
        return MIN_RADIUS
    return round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * math.sqrt(count / largest), 1)


def bin_summary(item: CalibrationBin) -> str:
    """'40–50 %: 12 forecasts, mean 44 %, 5 came true (42 %)'."""
    happened = round(item.observed * item.count)
    forecasts = "forecast" if item.count == 1 else "forecasts"
    return (f"{round(item.bin_start * 100)}–{round(item.bin_end * 100)} %: {item.count} "
            f"{forecasts}, mean {_percent(item.mean_forecast)}, {happened} came true "
            f"({_percent(item.observed)})")


def dots(bins: Sequence[CalibrationBin]) -> list[Dot]:
    """Where each non-empty bin is drawn, with its count label above the circle, or below it
    when above would leave the plot or collide with the previous bin's label."""
    largest = max((item.count for item in bins), default=0)
    placed: list[Dot] = []
    for item in bins:
        if not item.count:
            continue
        cx, cy = _x(item.mean_forecast), _y(item.observed)
        r = radius(item.count, largest)
        above, below = round(cy - r - 4, 1), round(cy + r + 12, 1)
        label_y = above if above - 10 > TOP else below
        if placed and _collide(placed[-1], cx, label_y):
            label_y = below if label_y == above else above
        placed.append(Dot(cx, cy, r, item.count, cx, label_y, bin_summary(item)))
    return placed


def _collide(previous: Dot, x: float, y: float) -> bool:
    """Would a label at (x, y) overlap the previous one (about 22 × 12 units each)?"""
    return abs(previous.label_x - x) < 22 and abs(previous.label_y - y) < 12


def calibration_svg(bins: Sequence[CalibrationBin], *, title: str, description: str = "",
                    chart_id: str = "calibration") -> Markup:
    """The chart as an accessible <svg> (role img, <title> and <desc>); sized by CSS."""
    width, height = LEFT + SIZE + RIGHT, TOP + SIZE + BOTTOM
    placed = dots(bins)
    scored = sum(item.count for item in bins)
    desc = description or (
        f"{scored} scored forecasts in ten bins by probability. Points on the dashed diagonal "
        "are perfectly calibrated; above it, things happened more often than forecast.")
    if placed:
        desc += " " + "; ".join(dot.summary for dot in placed) + "."
    parts = [
        (f'<svg class="calibration-chart" viewBox="0 0 {width} {height}" role="img" '
         f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'),
        f'<title id="{chart_id}-title">{escape(xml_text(title))}</title>',
        f'<desc id="{chart_id}-desc">{escape(xml_text(desc))}</desc>',
        f'<rect class="cal-plot" x="{LEFT}" y="{TOP}" width="{SIZE}" height="{SIZE}"/>',
    ]
    for tick in TICKS:
        x, y = _x(tick), _y(tick)
        label = _percent(tick)
        parts.append(f'<line class="cal-grid" x1="{x}" y1="{TOP}" x2="{x}" y2="{TOP + SIZE}"/>')
        parts.append(f'<line class="cal-grid" x1="{LEFT}" y1="{y}" x2="{LEFT + SIZE}" y2="{y}"/>')
        parts.append(f'<text class="cal-tick" x="{x}" y="{TOP + SIZE + 16}" '
                     f'text-anchor="middle">{label}</text>')
        parts.append(f'<text class="cal-tick" x="{LEFT - 6}" y="{y + 4}" '
                     f'text-anchor="end">{label}</text>')
    parts.append(f'<line class="cal-diagonal" x1="{_x(0)}" y1="{_y(0)}" x2="{_x(1)}" '
                 f'y2="{_y(1)}" stroke-dasharray="6 5"/>')
    for dot in placed:
        parts.append(f'<g class="cal-bin"><title>{escape(dot.summary)}</title>'
                     f'<circle class="cal-dot" cx="{dot.cx}" cy="{dot.cy}" r="{dot.r}"/>'
                     f'<text class="cal-count" x="{dot.label_x}" y="{dot.label_y}" '
                     f'text-anchor="middle">{dot.count}</text></g>')
    parts.append(f'<text class="cal-axis" x="{LEFT + SIZE / 2}" y="{height - 6}" '
                 f'text-anchor="middle">Forecast probability</text>')
    parts.append(f'<text class="cal-axis" x="14" y="{TOP + SIZE / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {TOP + SIZE / 2})">Share that came true</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
