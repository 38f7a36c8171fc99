"""A line chart drawn on the server as SVG: readable without JavaScript, every point a link.

Like ``highlight``, this module builds markup that templates show unescaped: every piece of
text goes through ``escape``, numbers are formatted here, and URLs are escaped as attributes.
Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies); each
series also has its own marker shape and dash pattern, so none depends on colour alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

# Okabe-Ito, the six that read well on white (yellow left out), in order of contrast.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle-open", "square-open")
WIDTH, HEIGHT = 760, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56
MAX_X_LABELS = 12


@dataclass
class Series:
    """One line: its label and, per x position, a value (None: no data), a tooltip and a URL."""

    label: str
    values: list[float | None]
    tips: list[str]
    urls: list[str]


def nice_ceiling(value: float) -> float:
    """A round number at or above the value (1, 2, 2.5, 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.2f}".rstrip("0")


def line_chart(x_labels: list[str], series: list[Series], y_title: str, title: str) -> Markup:
    """An SVG line chart of the series over the x labels, with axes, grid and titles."""
    top = nice_ceiling(max((v for s in series for v in s.values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(x_labels) - 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(x_labels) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    parts = [
        # a group, not an image: an image's content is hidden from assistive technology,
        # and every point is a link to be reached and read
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        *_grid(top, x_labels, x, y),
        *_axis_titles(y_title),
    ]
    for k, line in enumerate(series):
        parts.extend(_series(k, line, x, y))
    parts.append("</svg>")
    return Markup("".join(parts))


def _grid(top: float, x_labels: list[str], x, y) -> list[str]:
    """Horizontal grid lines with y labels, the axes, and x labels (thinned to fit)."""
    parts = []
    for i in range(5):
        value = top * i / 4
        py = y(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">'
            f"{escape(_fmt(value))}</text>"
        )
    base = HEIGHT - BOTTOM
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}"/>')
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{base}"/>')
    every = max(1, math.ceil(len(x_labels) / MAX_X_LABELS))
    for i, label in enumerate(x_labels):
        if i % every and i != len(x_labels) - 1:
            continue
        parts.append(
            f'<text class="tick" x="{x(i):.1f}" y="{base + 18}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    return parts


def _axis_titles(y_title: str) -> list[str]:
    middle = TOP + (HEIGHT - TOP - BOTTOM) / 2
    return [
        f'<text class="axis-title" x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" '
        f'y="{HEIGHT - 12}" text-anchor="middle">年份</text>',
        f'<text class="axis-title" x="14" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:.1f})">{escape(y_title)}</text>',
    ]


def _series(k: int, line: Series, x, y) -> list[str]:
    """The line (broken where there is no data) and a linked marker at every point."""
    colour, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<g class="series series-{k}">']
    run: list[str] = []
    for i, value in enumerate([*line.values, None]):
        if value is not None:
            run.append(f"{x(i):.1f},{y(value):.1f}")
            continue
        if len(run) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash_attr} '
                f'points="{" ".join(run)}"/>'
            )
        run = []
    for i, value in enumerate(line.values):
        if value is None:
            continue
        tip = escape(line.tips[i])
        shape = marker(MARKERS[k % len(MARKERS)], x(i), y(value), colour)
        if line.urls[i]:
            parts.append(f'<a href="{escape(line.urls[i])}"><title>{tip}</title>{shape}</a>')
        else:
            parts.append(f"<g><title>{tip}</title>{shape}</g>")
    parts.append("</g>")
    return parts


def marker(kind: str, cx: float, cy: float, colour: str, size: float = 4.5) -> str:
    """One point's marker: filled or open circle, square, triangle or diamond."""
    filled = not kind.endswith("-open")
    paint = f'fill="{colour if filled else "#fff"}" stroke="{colour}" stroke-width="2"'
    shape = kind.removesuffix("-open")
    if shape == "circle":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{size}" {paint}/>'
    if shape == "square":
        return (
            f'<rect x="{cx - size:.1f}" y="{cy - size:.1f}" width="{2 * size}" '
            f'height="{2 * size}" {paint}/>'
        )
    points = (
        [(cx, cy - size - 1), (cx + size + 1, cy + size), (cx - size - 1, cy + size)]
        if shape == "triangle"
        else [(cx, cy - size - 1), (cx + size + 1, cy), (cx, cy + size + 1), (cx - size - 1, cy)]
    )
    return f'<polygon points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}" {paint}/>'


def legend_marker(k: int) -> Markup:
    """A small SVG of series k's line and marker, for the legend and the table."""
    colour, dash = PALETTE[k % len(PALETTE)], DASHES[k % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(
        f'<svg class="swatch" width="36" height="14" viewBox="0 0 36 14" aria-hidden="true">'
        f'<line x1="2" x2="34" y1="7" y2="7" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        f"{marker(MARKERS[k % len(MARKERS)], 18, 7, colour, 3.5)}</svg>"
    )
