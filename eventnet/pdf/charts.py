"""Small, vector, black-and-white-safe SVG charts for PDFs (and web pages).

Hand-made rather than matplotlib or pygal: matplotlib costs about a second to import and
draws text as paths unless told otherwise, pygal is not installed here and needs a
JavaScript-free configuration anyway; the handful of chart types a report needs fits in this
module, renders in microseconds, and WeasyPrint draws the result as real, searchable text.

Rules every chart follows:

* every number is written next to what it measures (no reading values off an axis);
* series differ by fill pattern (and dash style for lines) as well as colour, so a
  black-and-white print stays readable; text is near-black on white;
* all text is escaped (labels come from user data), the output is one ``<svg>`` element
  with a ``<title>`` and ``<desc>``, ``role="img"``, and a ``viewBox`` so it scales to the
  text width. Use `data_url` to embed one as ``<img src>`` instead.

Each function returns `markupsafe.Markup`, ready for ``{{ chart }}`` in a template.
"""

from __future__ import annotations

import base64
import itertools
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "'Noto Sans', 'Noto Sans CJK SC', 'Noto Sans Arabic', 'DejaVu Sans', sans-serif"
INK = "#1b1f29"
MUTED = "#4f5868"
GRID = "#c9ced8"
# Colours that stay distinct as greys (light to dark alternate), each paired with a pattern.
PALETTE = ("#1f5fbf", "#e0a526", "#0f7b6c", "#b8c2d6", "#6a3fb5", "#c4553a", "#3d4350", "#7fb8a8")
ROLE_COLOURS = {"staff": "#6a3fb5", "student": "#1f5fbf", "employer": "#0f7b6c"}
PATTERNS = ("solid", "hatch", "dots", "cross", "hlines", "vlines", "rhatch", "grid")

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One named row of values (a bar segment, a line, one side of a diverging chart)."""

    label: str
    values: Sequence[float]
    colour: str | None = None
    pattern: str | None = None


def fmt_number(value: float) -> str:
    """``1234`` -> ``"1,234"``, ``0.5`` -> ``"0.5"``: compact, locale-neutral."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def fmt_percent(value: float) -> str:
    """A share 0..1 as ``"42%"``."""
    return f"{round(value * 100):d}%"


def text_width(text: str, size: float) -> float:
    """Rough width of ``text`` in user units: wide (CJK) characters count double."""
    width = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 1.0 if unicodedata.east_asian_width(char) in "WF" else 0.56
    return width * size


def fit(text: str, max_width: float, size: float) -> str:
    """``text`` shortened with an ellipsis so that it fits ``max_width``."""
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, max_width: float, size: float, lines: int = 2) -> list[str]:
    """``text`` on up to ``lines`` lines of ``max_width`` (the last one shortened if needed)."""
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if current and text_width(candidate, size) > max_width and len(out) < lines - 1:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(fit(current, max_width, size))
    return out


def data_url(svg: str) -> str:
    """An SVG as a ``data:`` URL (for ``<img src>``; the PDF fetcher allows ``data:``)."""
    return "data:image/svg+xml;base64," + base64.b64encode(str(svg).encode()).decode("ascii")


# -- building blocks ---------------------------------------------------------------------------


def _e(value: object) -> str:
    return str(escape(str(value)))


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    """Collects elements and pattern definitions; renders one accessible ``<svg>``."""

    def __init__(self, width: float, title: str, desc: str) -> None:
        self.width = width
        self.title = title
        self.desc = desc
        self.prefix = f"c{next(_ids)}"
        self.parts: list[str] = []
        self.defs: dict[str, str] = {}

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: float = 11,
        anchor: str = "start",
        weight: str = "normal",
        colour: str = INK,
    ) -> None:
        self.add(
            f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
            f'text-anchor="{anchor}" font-weight="{weight}" fill="{colour}">{_e(content)}</text>'
        )

    def pattern_fill(self, pattern: str) -> str | None:
        """A fill URL for ``pattern`` (white marks laid over a colour), or None for solid."""
        if pattern == "solid":
            return None
        pid = f"{self.prefix}-{pattern}"
        if pid not in self.defs:
            marks = {
                "hatch": '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke-width="1.6"/>',
                "rhatch": '<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke-width="1.6"/>',
                "cross": '<path d="M0,0 l6,6 M6,0 l-6,6" stroke-width="1.1"/>',
                "hlines": '<path d="M0,3 h6" stroke-width="1.6"/>',
                "vlines": '<path d="M3,0 v6" stroke-width="1.6"/>',
                "grid": '<path d="M0,3 h6 M3,0 v6" stroke-width="1"/>',
                "dots": '<circle cx="3" cy="3" r="1.3" stroke="none" fill="#ffffff"/>',
            }[pattern]
            self.defs[pid] = (
                f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="6" height="6">'
                f'<g stroke="#ffffff" fill="none">{marks}</g></pattern>'
            )
        return f"url(#{pid})"

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        colour: str,
        pattern: str = "solid",
    ) -> None:
        if w <= 0 or h <= 0:
            return
        self.add(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
            f'fill="{colour}" stroke="{INK}" stroke-width="0.6"/>'
        )
        fill = self.pattern_fill(pattern)
        if fill:
            self.add(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
                f'fill="{fill}" stroke="none"/>'
            )

    def render(self, height: float) -> Markup:
        tid, did = f"{self.prefix}-t", f"{self.prefix}-d"
        defs = f"<defs>{''.join(self.defs.values())}</defs>" if self.defs else ""
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(self.width)} '
            f'{_num(height)}" width="{_num(self.width)}" height="{_num(height)}" role="img" '
            f'aria-labelledby="{tid} {did}" font-family="{FONT}" class="chart">'
            f'<title id="{tid}">{_e(self.title)}</title><desc id="{did}">{_e(self.desc)}</desc>'
            f"{defs}{''.join(self.parts)}</svg>"
        )
        return Markup(svg)  # noqa: S704 - every piece of text above went through escape()


def _style(series: Series, index: int) -> tuple[str, str]:
    return (
        series.colour or PALETTE[index % len(PALETTE)],
        series.pattern or PATTERNS[index % len(PATTERNS)],
    )


def _legend(svg: _Svg, series: Sequence[Series], y: float, x0: float = 0) -> float:
    """A one- or multi-line legend at ``y``; returns the y below it."""
    x, size = x0, 10.5
    for index, item in enumerate(series):
        colour, pattern = _style(item, index)
        label = fit(item.label, 200, size)
        item_width = 18 + text_width(label, size) + 16
        if x > x0 and x + item_width > svg.width:
            x, y = x0, y + 18
        svg.box(x, y - 10, 12, 12, colour, pattern)
        svg.text(x + 17, y, label, size=size)
        x += item_width
    return y + 12


def _empty(svg: _Svg, message: str) -> Markup:
    svg.text(svg.width / 2, 30, message, anchor="middle", colour=MUTED)
    return svg.render(46)


# -- charts ------------------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    max_value: float | None = None,
    colour: str = PALETTE[0],
    pattern: str = "solid",
    colours: Sequence[str] | None = None,
    width: float = 600,
    bar_height: float = 16,
    empty: str = "No data",
) -> Markup:
    """Horizontal bars, one per item, the label on the left and the value at the bar's end."""
    svg = _Svg(width, title, desc)
    if not items:
        return _empty(svg, empty)
    size = 10.5
    label_w = min(max(text_width(label, size) for label, _ in items) + 8, width * 0.38)
    values = [value for _, value in items]
    top = max_value if max_value is not None else max(values)
    value_w = max(text_width(value_fmt(v), size) for v in values) + 8
    plot_w = width - label_w - value_w
    gap = bar_height * 0.45
    y = 2.0
    for index, (label, value) in enumerate(items):
        bar_colour = colours[index % len(colours)] if colours else colour
        w = plot_w * (value / top) if top else 0
        svg.text(
            label_w - 6,
            y + bar_height * 0.72,
            fit(label, label_w - 8, size),
            size=size,
            anchor="end",
        )
        svg.box(label_w, y, max(w, 0.8 if value else 0), bar_height, bar_colour, pattern)
        svg.text(label_w + w + 4, y + bar_height * 0.72, value_fmt(value), size=size, weight="bold")
        y += bar_height + gap
    svg.add(
        f'<line x1="{_num(label_w)}" y1="0" x2="{_num(label_w)}" y2="{_num(y - gap + 2)}" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    return svg.render(y - gap + 4)


def stacked_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    show_total: bool = True,
    width: float = 600,
    bar_height: float = 20,
    empty: str = "No data",
) -> Markup:
    """One horizontal bar per category made of one segment per series, with a legend.

    Segments wide enough carry their value; the total is written after the bar.
    """
    svg = _Svg(width, title, desc)
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(svg, empty)
    size = 10.5
    label_w = min(max(text_width(c, size) for c in categories) + 8, width * 0.34)
    total_w = max(text_width(value_fmt(t), size) for t in totals) + 10 if show_total else 4
    plot_w = width - label_w - total_w
    top = max(totals)
    y = _legend(svg, series, 12) + 8
    for i, category in enumerate(categories):
        svg.text(
            label_w - 6,
            y + bar_height * 0.68,
            fit(category, label_w - 8, size),
            size=size,
            anchor="end",
        )
        x = label_w
        for index, item in enumerate(series):
            value = item.values[i]
            w = plot_w * value / top if top else 0
            colour, pattern = _style(item, index)
            svg.box(x, y, w, bar_height, colour, pattern)
            text = value_fmt(value)
            if value and w >= text_width(text, 9.5) + 8:
                # A white label on a dark chip keeps the number legible on any pattern.
                chip_w = text_width(text, 9.5) + 5
                svg.add(
                    f'<rect x="{_num(x + w / 2 - chip_w / 2)}" y="{_num(y + bar_height / 2 - 6.5)}"'
                    f' width="{_num(chip_w)}" height="13" rx="2" fill="#ffffff" opacity="0.92"/>'
                )
                svg.text(x + w / 2, y + bar_height / 2 + 3.5, text, size=9.5, anchor="middle")
            x += w
        if show_total:
            svg.text(x + 4, y + bar_height * 0.68, value_fmt(totals[i]), size=size, weight="bold")
        y += bar_height + 8
    return svg.render(y)


def diverging_bar_chart(
    categories: Sequence[str],
    left: Series,
    right: Series,
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    width: float = 600,
    bar_height: float = 14,
    empty: str = "No data",
) -> Markup:
    """Two series back to back around a centre column of labels (e.g. offered vs sought)."""
    svg = _Svg(width, title, desc)
    if not categories:
        return _empty(svg, empty)
    size = 10
    label_w = min(max(text_width(c, size) for c in categories) + 14, width * 0.34)
    half = (width - label_w) / 2
    top = max([*left.values, *right.values, 1])
    value_w = text_width(value_fmt(top), size) + 8
    scale = (half - value_w) / top
    left_colour, left_pattern = _style(left, 0)
    right_colour, right_pattern = _style(right, 1)
    svg.text(half - 4, 12, left.label, size=10.5, anchor="end", weight="bold")
    svg.text(half + label_w + 4, 12, right.label, size=10.5, weight="bold")
    y = 22.0
    for i, category in enumerate(categories):
        lv, rv = left.values[i], right.values[i]
        lw, rw = lv * scale, rv * scale
        svg.box(half - lw, y, lw, bar_height, left_colour, left_pattern)
        svg.text(half - lw - 4, y + bar_height * 0.75, value_fmt(lv), size=size, anchor="end")
        svg.text(
            half + label_w / 2,
            y + bar_height * 0.75,
            fit(category, label_w - 10, size),
            size=size,
            anchor="middle",
        )
        svg.box(half + label_w, y, rw, bar_height, right_colour, right_pattern)
        svg.text(half + label_w + rw + 4, y + bar_height * 0.75, value_fmt(rv), size=size)
        y += bar_height + 6
    for x in (half, half + label_w):
        svg.add(
            f'<line x1="{_num(x)}" y1="18" x2="{_num(x)}" y2="{_num(y - 4)}" '
            f'stroke="{INK}" stroke-width="0.8"/>'
        )
    return svg.render(y)


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    width: float = 600,
    height: float = 220,
    label_points: bool | None = None,
    empty: str = "No data",
) -> Markup:
    """Lines over ordered x labels (days, hours). Distinct dashes and markers per series;
    each line is labelled at its end and, when there are few points, at every point."""
    svg = _Svg(width, title, desc)
    values = [v for s in series for v in s.values]
    if not x_labels or not values:
        return _empty(svg, empty)
    top = max(values) or 1
    # A "nice" upper bound so the gridline labels are round.
    magnitude = 10 ** math.floor(math.log10(top)) if top >= 1 else 1
    nice = math.ceil(top / magnitude * 2) / 2 * magnitude
    left, right_pad = 40.0, 90.0 if len(series) > 1 else 40.0
    legend_y = 12
    plot_top = 24.0 if len(series) > 1 else 10.0
    if len(series) > 1:
        _legend(svg, series, legend_y, x0=left)
    plot_bottom = height - 30
    plot_w = width - left - right_pad
    n = len(x_labels)
    step = plot_w / max(n - 1, 1)

    def px(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return plot_bottom - (plot_bottom - plot_top) * (v / nice)

    for k in range(5):
        v = nice * k / 4
        y = py(v)
        svg.add(
            f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(left + plot_w)}" '
            f'y2="{_num(y)}" stroke="{GRID}" stroke-width="0.6"/>'
        )
        svg.text(left - 5, y + 3.5, value_fmt(v), size=9, anchor="end", colour=MUTED)
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(x_labels):
        if i % every == 0 or i == n - 1:
            svg.text(
                px(i),
                plot_bottom + 14,
                fit(label, step * every - 2, 9) if n > 1 else label,
                size=9,
                anchor="middle",
                colour=MUTED,
            )
    if label_points is None:
        label_points = n <= 14
    dashes = ("", "6 3", "2 2.5", "8 3 2 3", "1 3")
    markers = ("circle", "square", "diamond", "triangle", "circle")
    for index, item in enumerate(series):
        colour, _ = _style(item, index)
        points = [(px(i), py(v)) for i, v in enumerate(item.values)]
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        dash = dashes[index % len(dashes)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.add(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        for i, (x, y) in enumerate(points):
            svg.add(_marker(markers[index % len(markers)], x, y, colour))
            if label_points and (len(series) == 1 or i == len(points) - 1 or item.values[i]):
                svg.text(x, y - 6, value_fmt(item.values[i]), size=8.5, anchor="middle")
        if len(series) > 1 and points:
            x, y = points[-1]
            svg.text(
                x + 8,
                y + 3.5,
                fit(item.label, right_pad - 12, 9.5),
                size=9.5,
                weight="bold",
                colour=colour,
            )
    svg.add(
        f'<line x1="{_num(left)}" y1="{_num(plot_bottom)}" x2="{_num(left + plot_w)}" '
        f'y2="{_num(plot_bottom)}" stroke="{INK}" stroke-width="0.8"/>'
    )
    return svg.render(height)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    common = f'fill="#ffffff" stroke="{colour}" stroke-width="1.6"'
    if kind == "square":
        return f'<rect x="{_num(x - 3)}" y="{_num(y - 3)}" width="6" height="6" {common}/>'
    if kind == "diamond":
        return f'<path d="M{_num(x)},{_num(y - 4)} l4,4 l-4,4 l-4,-4 z" {common}/>'
    if kind == "triangle":
        return f'<path d="M{_num(x)},{_num(y - 4)} l4,7 h-8 z" {common}/>'
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" {common}/>'


def donut_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    colours: Sequence[str] | None = None,
    centre_label: str = "",
    width: float = 600,
    height: float = 190,
    empty: str = "No data",
) -> Markup:
    """A ring of shares with a legend that names each slice with its value and percentage."""
    svg = _Svg(width, title, desc)
    total = sum(v for _, v in items)
    if not items or total <= 0:
        return _empty(svg, empty)
    cx, cy, r_out, r_in = height / 2, height / 2, height / 2 - 6, height / 4
    angle = -math.pi / 2
    legend = []
    for index, (label, value) in enumerate(items):
        colour = colours[index % len(colours)] if colours else PALETTE[index % len(PALETTE)]
        pattern = PATTERNS[index % len(PATTERNS)]
        share = value / total
        legend.append(
            Series(f"{label}: {value_fmt(value)} ({fmt_percent(share)})", [value], colour, pattern)
        )
        if value <= 0:
            continue
        sweep = 2 * math.pi * share
        if share >= 0.9999:
            path = (
                f"M{_num(cx)},{_num(cy - r_out)} a{_num(r_out)},{_num(r_out)} 0 1,1 0,"
                f"{_num(2 * r_out)} a{_num(r_out)},{_num(r_out)} 0 1,1 0,{_num(-2 * r_out)} "
                f"M{_num(cx)},{_num(cy - r_in)} a{_num(r_in)},{_num(r_in)} 0 1,0 0,"
                f"{_num(2 * r_in)} a{_num(r_in)},{_num(r_in)} 0 1,0 0,{_num(-2 * r_in)} z"
            )
        else:
            a0, a1 = angle, angle + sweep
            large = 1 if sweep > math.pi else 0
            path = (
                f"M{_num(cx + r_out * math.cos(a0))},{_num(cy + r_out * math.sin(a0))} "
                f"A{_num(r_out)},{_num(r_out)} 0 {large},1 "
                f"{_num(cx + r_out * math.cos(a1))},{_num(cy + r_out * math.sin(a1))} "
                f"L{_num(cx + r_in * math.cos(a1))},{_num(cy + r_in * math.sin(a1))} "
                f"A{_num(r_in)},{_num(r_in)} 0 {large},0 "
                f"{_num(cx + r_in * math.cos(a0))},{_num(cy + r_in * math.sin(a0))} z"
            )
        svg.add(
            f'<path d="{path}" fill="{colour}" stroke="#ffffff" stroke-width="1.2" '
            f'fill-rule="evenodd"/>'
        )
        fill = svg.pattern_fill(pattern)
        if fill:
            svg.add(f'<path d="{path}" fill="{fill}" stroke="none" fill-rule="evenodd"/>')
        angle += sweep
    if centre_label:
        svg.text(cx, cy - 2, value_fmt(total), size=16, anchor="middle", weight="bold")
        room = r_in * 2 - 4
        size = max(6.0, min(9.0, room / max(text_width(centre_label, 1), 1)))
        svg.text(
            cx, cy + 12, fit(centre_label, room, size), size=size, anchor="middle", colour=MUTED
        )
    x0, y = height + 20, max(16.0, cy - len(legend) * 10 + 6)
    if width - x0 < 200:  # narrow: the legend goes under the ring
        x0, y = 0.0, height + 20
    for item in legend:
        svg.box(x0, y - 10, 12, 12, item.colour or PALETTE[0], item.pattern or "solid")
        svg.text(x0 + 18, y, fit(item.label, width - x0 - 22, 10.5), size=10.5)
        y += 20
    return svg.render(max(height, y))


def heatmap(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float]],
    *,
    title: str,
    desc: str = "",
    value_fmt: Callable[[float], str] = fmt_number,
    width: float = 600,
    cell_height: float = 24,
    empty: str = "No data",
) -> Markup:
    """A matrix of counts (who met whom): grey shading by value, every cell shows its number."""
    svg = _Svg(width, title, desc)
    flat = [v for row in values for v in row]
    if not row_labels or not col_labels or not any(flat):
        return _empty(svg, empty)
    size = 10
    label_w = min(max(text_width(r, size) for r in row_labels) + 10, width * 0.32)
    cell_w = min((width - label_w) / len(col_labels), 110)
    top = max(flat)
    header_h = 34.0
    for j, label in enumerate(col_labels):
        x = label_w + j * cell_w + cell_w / 2
        lines = wrap(label, cell_w - 4, size)
        for n, line in enumerate(lines):
            y = 14 + n * 12 if len(lines) > 1 else 20
            svg.text(x, y, line, size=size, anchor="middle", weight="bold")
    for i, label in enumerate(row_labels):
        y = header_h + i * cell_height
        svg.text(
            label_w - 6,
            y + cell_height * 0.65,
            fit(label, label_w - 8, size),
            size=size,
            anchor="end",
            weight="bold",
        )
        for j, _ in enumerate(col_labels):
            value = values[i][j]
            shade = value / top if top else 0
            grey = round(245 - shade * 200)
            fill = f"#{grey:02x}{grey:02x}{grey:02x}"
            x = label_w + j * cell_w
            svg.add(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(cell_w)}" '
                f'height="{_num(cell_height)}" fill="{fill}" stroke="#ffffff" '
                f'stroke-width="1.5"/>'
            )
            svg.text(
                x + cell_w / 2,
                y + cell_height * 0.65,
                value_fmt(value),
                size=size,
                anchor="middle",
                weight="bold",
                colour="#ffffff" if shade > 0.55 else INK,
            )
    return svg.render(header_h + len(row_labels) * cell_height + 2)
