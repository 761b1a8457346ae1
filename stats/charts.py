"""Server-side SVG line charts: readable offline and when printed, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 640, 200, 32
COLOURS = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545")


@dataclass
class Line:
    label: str
    colour: str
    points: str  # "x,y x,y ..." for <polyline>


@dataclass
class Chart:
    lines: list[Line]
    y_max: float
    first_day: str
    last_day: str
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD

    @property
    def grid(self) -> list[tuple[str, str]]:
        """(y, label) of the horizontal grid lines, as strings: a template would localise a
        float into "168,0", which is no SVG coordinate."""
        return [
            (
                f"{self.height - self.pad - i * (self.height - 2 * self.pad) / 4:.1f}",
                f"{self.y_max * i / 4:g}",
            )
            for i in range(5)
        ]


def line_chart(days: list, series: dict[str, list[float | None]], *, y_max: float | None = None):
    """One chart of several series over the same days; missing values break nothing."""
    if not days:
        return None
    values = [v for vs in series.values() for v in vs if v is not None]
    top = y_max or (max(values) if values else 1) or 1
    step = (WIDTH - 2 * PAD) / max(len(days) - 1, 1)
    lines = []
    for index, (label, vs) in enumerate(series.items()):
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}"
            for i, v in enumerate(vs)
            if v is not None
        )
        lines.append(Line(str(label), COLOURS[index % len(COLOURS)], points))
    return Chart(lines, top, days[0].isoformat(), days[-1].isoformat())
