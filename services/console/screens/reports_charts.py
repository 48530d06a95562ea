"""The geometry of the reports' charts, drawn by the template as SVG (no chart library, no script): columns for a
series over days, bars for counts by a label, and meters for shares. Pure."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Drawing units of the SVG viewBox (the chart scales to its container).
COLUMNS_WIDTH = 1000
COLUMNS_HEIGHT = 220
AXIS = 28  # room for the y-axis labels on the left
FOOT = 20  # room for the x-axis labels below
BAR_HEIGHT = 22
BAR_GAP = 8
BARS_WIDTH = 480
LABEL_WIDTH = 150  # room for the bars' labels on the left
MAX_BARS = 30


@dataclass(frozen=True)
class Mark:
    """One column or bar: where it is drawn, what it stands for, the value written beside it."""

    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: float
    height: float
    marks: list[Mark]
    ticks: list[tuple[float, str]]  # (y or x position, label) of the value axis
    labels: list[tuple[float, str]]  # (x position, label) under the columns, a few of them
    top: float  # the value at the top of the axis


def nice_top(largest: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at or above the largest value (1 for nothing)."""
    if largest <= 0:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 5, 10):
        if largest <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _value_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def columns(points: Sequence[tuple[str, float]], *, label_every: int | None = None) -> Chart:
    """Vertical columns, one per point in order (a series over days); a handful of the labels are written below."""
    inner_width = COLUMNS_WIDTH - AXIS
    inner_height = COLUMNS_HEIGHT - FOOT
    top = nice_top(max((value for _, value in points), default=0))
    slot = inner_width / max(len(points), 1)
    width = max(slot * 0.8, 1)
    marks = []
    for index, (label, value) in enumerate(points):
        height = inner_height * value / top
        marks.append(Mark(label, value, AXIS + index * slot + (slot - width) / 2, inner_height - height, width, height))
    every = label_every or max(1, math.ceil(len(points) / 8))
    labels = [(mark.x + mark.width / 2, mark.label) for index, mark in enumerate(marks) if index % every == 0]
    ticks = [(inner_height * (1 - share), _value_text(top * share)) for share in (0, 0.5, 1)]
    return Chart(COLUMNS_WIDTH, COLUMNS_HEIGHT, marks, ticks, labels, top)


def bars(counts: Mapping[str, float]) -> Chart:
    """Horizontal bars, largest first (at most MAX_BARS), each with its label on the left."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_BARS]
    top = nice_top(max((value for _, value in ordered), default=0))
    room = BARS_WIDTH - LABEL_WIDTH - 40  # and room for the value on the right
    marks = [
        Mark(label, value, LABEL_WIDTH, index * (BAR_HEIGHT + BAR_GAP), room * value / top, BAR_HEIGHT)
        for index, (label, value) in enumerate(ordered)
    ]
    height = max(len(marks), 1) * (BAR_HEIGHT + BAR_GAP)
    return Chart(BARS_WIDTH, height, marks, [], [], top)


def meter(share: float | None) -> float:
    """The filled part (0-100) of a meter for a share 0-1; 0 for no value."""
    if share is None or not math.isfinite(share):
        return 0
    return round(max(0.0, min(1.0, share)) * 100, 1)


def pair(first: float | None, second: float | None) -> tuple[float, float]:
    """Two values (p50 and p90) as shares 0-100 of the larger, for two bars drawn one above the other."""
    largest = max(first or 0, second or 0)
    if largest <= 0:
        return 0, 0
    return round((first or 0) / largest * 100, 1), round((second or 0) / largest * 100, 1)
