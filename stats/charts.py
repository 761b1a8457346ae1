"""Server-side SVG charts of the statistics: readable offline and printed, no JavaScript, no
inline style (the strict CSP): every coordinate is computed here and written as an attribute.

- `bar_chart(days, values)`: a daily count as bars, its axis in whole numbers (1, 2, 5 × 10ⁿ
  steps, at most five of them);
- `line_chart(days, series, y_max=100)`: shares as lines (a gap where a day has no figure),
  told apart by colour and by dash pattern (printed in black and white too);
- the days below as «01.11», at most eight of them; numbers in the language's format (a comma
  in Russian). `figures_table(days, series)` gives the same numbers as a table, for print and
  for screen readers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils import formats

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 24
MAX_X_LABELS = 8
# Colours with at least 3:1 against white (WCAG 1.4.11), and a dash pattern each.
COLOURS = ("#0d6efd", "#198754", "#b35900", "#6f42c1", "#dc3545", "#087990", "#495057")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "1 3", "10 2 2 2", "4 4")


def number(value, decimals: int | None = None) -> str:
    """A number as the active language writes it: «12,5» in Russian, whole numbers bare."""
    if value is None:
        return "—"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    return formats.number_format(round(value, decimals), decimal_pos=decimals)


def day_label(day) -> str:
    return day.strftime("%d.%m")


def count_step(top: float) -> int:
    """The step of a whole-number axis up to `top`: 1, 2 or 5 × 10ⁿ, at most five steps."""
    if top <= 5:
        return 1
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


@dataclass
class Tick:
    at: str  # the coordinate, as a string (a template would localise a float)
    label: str


@dataclass
class Bar:
    x: str
    y: str
    width: str
    height: str
    title: str


@dataclass
class Series:
    label: str
    colour: str
    dash: str = ""
    bars: list[Bar] = field(default_factory=list)
    # "x,y x,y ..." of each unbroken run of points, for one <polyline> each.
    segments: list[str] = field(default_factory=list)
    dots: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Chart:
    kind: str  # "bar" or "line"
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    baseline: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - 8


# The small bar charts of the daily counts, several side by side: their own, smaller canvas,
# so that their labels read at the size of the line chart's.
BAR_WIDTH, BAR_HEIGHT, BAR_X_LABELS = 360, 150, 6


def _y(value: float, top: float, height: int = HEIGHT) -> float:
    plot = height - TOP - BOTTOM
    return height - BOTTOM - (value / top) * plot if top else height - BOTTOM


def _x_ticks(days: list, centre, most: int = MAX_X_LABELS) -> list[Tick]:
    every = max(1, math.ceil(len(days) / most))
    # The last day is always labelled; the others every `every` days back from it.
    chosen = [i for i in range(len(days)) if (len(days) - 1 - i) % every == 0]
    return [Tick(f"{centre(i):.1f}", day_label(days[i])) for i in chosen]


def bar_chart(days: list, values: list[int | None], *, label: str = "", colour: str = COLOURS[0]):
    """One daily count as bars over the days; None: no figure that day (no bar)."""
    if not days:
        return None
    width, height = BAR_WIDTH, BAR_HEIGHT
    known = [v for v in values if v is not None]
    peak = max(known, default=0)
    step = count_step(peak)
    top = max(step, math.ceil(peak / step) * step)
    band = (width - LEFT - RIGHT) / len(days)
    bar = max(band * 0.7, 1)
    series = Series(str(label), colour)
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        if value is None:
            continue
        y = _y(value, top, height)
        series.bars.append(
            Bar(
                f"{LEFT + i * band + (band - bar) / 2:.1f}",
                f"{y:.1f}",
                f"{bar:.1f}",
                f"{height - BOTTOM - y:.1f}",
                f"{day_label(day)}: {number(value)}",
            )
        )
    y_ticks = [
        Tick(f"{_y(v, top, height):.1f}", number(v, 0)) for v in range(0, int(top) + 1, step)
    ]
    x_ticks = _x_ticks(days, lambda i: LEFT + i * band + band / 2, BAR_X_LABELS)
    return Chart(
        "bar",
        [series],
        y_ticks,
        x_ticks,
        width=width,
        height=height,
        right_edge=width - RIGHT,
        baseline=height - BOTTOM,
        label_y=height - 8,
    )


def line_chart(days: list, series: dict[str, list[float | None]], *, y_max: float = 100):
    """Several shares (0 to `y_max`) over the same days, as lines; None breaks a line."""
    if not days:
        return None
    step_x = (WIDTH - LEFT - RIGHT) / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return LEFT + i * step_x if len(days) > 1 else (LEFT + WIDTH - RIGHT) / 2

    lines = []
    for index, (label, values) in enumerate(series.items()):
        line = Series(str(label), COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)])
        run: list[str] = []
        for i, value in enumerate(values):
            if value is None:
                if run:
                    line.segments.append(" ".join(run))
                run = []
                continue
            point = (f"{x(i):.1f}", f"{_y(value, y_max):.1f}")
            run.append(",".join(point))
            line.dots.append((*point, f"{day_label(days[i])}: {number(value)}"))
        if run:
            line.segments.append(" ".join(run))
        lines.append(line)
    y_ticks = [Tick(f"{_y(y_max * i / 4, y_max):.1f}", number(y_max * i / 4)) for i in range(5)]
    return Chart("line", lines, y_ticks, _x_ticks(days, x))


@dataclass
class FiguresTable:
    headers: list[str]
    rows: list[list[str]]


def figures_table(days: list, series: dict[str, list]) -> FiguresTable:
    """The charts' numbers by day: what a screen reader reads and a printout shows."""
    return FiguresTable(
        [str(label) for label in series],
        [
            [day.strftime("%d.%m.%Y"), *(number(values[i]) for values in series.values())]
            for i, day in enumerate(days)
        ],
    )
