"""The weekly compliance trend as coordinates for a server-rendered SVG (no script, no CDN)."""

from collections.abc import Callable
from dataclasses import dataclass

from requests_desk.reports.compliance import TrendPoint

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass
class ChartPoint:
    point: TrendPoint
    x: float
    y: float | None  # None: no decided clock that week
    met_url: str = ""  # the week's clocks met / breached (empty: no link)
    breached_url: str = ""


@dataclass
class TrendChart:
    points: list[ChartPoint]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT

    @property
    def polyline(self) -> str:
        """Runs of consecutive weeks with a figure, as SVG path data (gaps stay gaps)."""
        parts, pen_down = [], False
        for p in self.points:
            if p.y is None:
                pen_down = False
                continue
            parts.append(f"{'L' if pen_down else 'M'}{p.x:.1f},{p.y:.1f}")
            pen_down = True
        return " ".join(parts)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(value, _y(value)) for value in (0, 25, 50, 75, 100)]

    @property
    def labels(self) -> list[ChartPoint]:
        """Every fourth week is labelled on the axis."""
        return [p for index, p in enumerate(self.points) if index % 4 == 0]


def _y(percent: float) -> float:
    return TOP + (HEIGHT - BOTTOM - TOP) * (1 - percent / 100)


def trend_chart(
    points: list[TrendPoint], link: Callable[[TrendPoint, str], str] | None = None
) -> TrendChart:
    """``link(point, outcome)``: the URL of a week's clocks ``met`` or ``breached``."""
    step = (WIDTH - LEFT - RIGHT) / max(len(points) - 1, 1)
    return TrendChart(
        points=[
            ChartPoint(
                point=p,
                x=LEFT + index * step,
                y=None if p.compliance is None else _y(p.compliance),
                met_url=link(p, "met") if link else "",
                breached_url=link(p, "breached") if link else "",
            )
            for index, p in enumerate(points)
        ]
    )
