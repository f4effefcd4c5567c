"""Static pictures of plotly figures for feedback pages: SVG drawn here, in pure Python, with no browser.

nbconvert's HTML export drops plotly outputs (``application/vnd.plotly.v1+json``) and interactive figures
(widget views) need scripts from a CDN. Feedback pages must work offline, so each figure is drawn as an SVG here:
scatter and line traces (markers, dashes, error bars), bar traces (vertical, horizontal, grouped or stacked) and
histograms, with title, axis titles, ticks and a legend that repeats each trace's marker or dash. Trace types that
are not drawn are named in the picture instead. Colours follow the course palette unless the figure sets its own.
"""

from __future__ import annotations

import ast
import base64
import html
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["describe_figure", "figure_from_repr", "figure_to_svg", "nice_ticks", "svg_image_html"]

#: Okabe-Ito colours, in the order traces receive them when a figure sets none.
COLORWAY = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#555555"]
DASHES = {"dash": "8,4", "dot": "2,3", "dashdot": "8,3,2,3", "longdash": "12,4", "longdashdot": "12,3,2,3"}
SUPPORTED = {"scatter", "scattergl", "bar", "histogram"}


def _decode(values: Any) -> list:
    """Plain list from a plotly array: a list, a numpy array or a typed array ``{"bdata": ..., "dtype": ...}``."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values.get("dtype", "f8")))
        shape = values.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else list(shape)
            array = array.reshape(dims)
        return array.tolist()
    if isinstance(values, np.ndarray):
        return values.tolist()
    if isinstance(values, (list, tuple)):
        return list(values)
    return [values]


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text", "")
    return "" if value is None else str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) covering ``low`` to ``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.ceil(low / step - 1e-9) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _format(value: float) -> str:
    if abs(value) >= 1e5 or (0 < abs(value) < 1e-3):
        return f"{value:.2g}"
    return f"{value:.6g}"


class _Axis:
    """Maps data values (numbers or categories) to pixels along one side of the plot area."""

    def __init__(self, values: Sequence[Any], start: float, end: float, fixed: Sequence[float] | None = None,
                 include_zero: bool = False) -> None:
        self.categories: list[str] = []
        numbers = [v for v in values if _is_number(v)]
        if values and len(numbers) < len([v for v in values if v is not None]):
            for value in values:
                if value is not None and str(value) not in self.categories:
                    self.categories.append(str(value))
        self.start, self.end = start, end
        if self.categories:
            self.low, self.high = -0.5, len(self.categories) - 0.5
        elif fixed and len(fixed) == 2 and all(_is_number(v) for v in fixed):
            self.low, self.high = float(fixed[0]), float(fixed[1])
        else:
            low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
            if include_zero:
                low, high = min(low, 0.0), max(high, 0.0)
            pad = (high - low) * 0.05 or 0.5
            self.low, self.high = low - (0 if include_zero and low == 0 else pad), high + pad
        if self.high == self.low:
            self.high = self.low + 1

    def position(self, value: Any) -> float | None:
        if self.categories:
            if value is None or str(value) not in self.categories:
                return None
            number = float(self.categories.index(str(value)))
        elif _is_number(value):
            number = float(value)
        else:
            return None
        return self.start + (number - self.low) / (self.high - self.low) * (self.end - self.start)

    def ticks(self) -> list[tuple[float, str]]:
        if self.categories:
            step = max(1, math.ceil(len(self.categories) / 12))
            return [(self.position(c), c[:18]) for c in self.categories[::step]]
        return [(self.position(t), _format(t)) for t in nice_ticks(self.low, self.high) if self.low <= t <= self.high]


def _marker(symbol: str, x: float, y: float, size: float, color: str) -> str:
    r = size / 2
    name = str(symbol or "circle").replace("-open", "")
    fill = "none" if str(symbol).endswith("-open") else color
    attrs = f'fill="{fill}" stroke="{color}" stroke-width="1.2"'
    if name == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {attrs}/>'
    if name == "diamond":
        corners = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
        return f'<polygon points="{corners}" {attrs}/>'
    if name.startswith("triangle"):
        flip = -1 if "down" in name else 1
        return (f'<polygon points="{x:.1f},{y - flip * r:.1f} {x + r:.1f},{y + flip * r:.1f} '
                f'{x - r:.1f},{y + flip * r:.1f}" {attrs}/>')
    if name in {"x", "cross"}:
        return (f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}M{x - r:.1f},{y + r:.1f}'
                f'L{x + r:.1f},{y - r:.1f}" stroke="{color}" stroke-width="2"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {attrs}/>'


def _colour(trace: dict, index: int, part: str = "marker") -> str:
    value = (trace.get(part) or {}).get("color")
    if isinstance(value, str):
        return value
    other = (trace.get("line" if part == "marker" else "marker") or {}).get("color")
    return other if isinstance(other, str) else COLORWAY[index % len(COLORWAY)]


def _histogram_bars(trace: dict) -> dict:
    values = [v for v in _decode(trace.get("x") if trace.get("x") is not None else trace.get("y")) if _is_number(v)]
    bins = int(trace.get("nbinsx") or 0) or min(20, max(5, int(math.sqrt(len(values) or 1))))
    counts, edges = np.histogram(values or [0], bins=bins)
    centres = ((edges[:-1] + edges[1:]) / 2).tolist()
    return {**trace, "type": "bar", "x": centres, "y": counts.tolist(), "_width": float(edges[1] - edges[0])}


def figure_to_svg(figure: dict, width: int = 720, height: int = 440) -> str:
    """Draw a plotly figure (its JSON dict: ``data`` and ``layout``) as a self-contained SVG.

    Parameters
    ----------
    figure
        The figure as plotly JSON (``fig.to_plotly_json()``, or an ``application/vnd.plotly.v1+json`` output).
    width, height
        Size of the picture in pixels (the layout's own size is used when it sets one).

    Returns
    -------
    str
        An ``<svg>`` element with a ``<title>`` naming the figure.
    """
    layout = figure.get("layout") or {}
    width = int(layout.get("width") or width)
    height = int(layout.get("height") or height)
    traces = [t for t in figure.get("data") or [] if t.get("visible", True) is not False]
    traces = [_histogram_bars(t) if t.get("type") == "histogram" else t for t in traces]
    drawn = [t for t in traces if t.get("type", "scatter") in SUPPORTED]
    skipped = sorted({t.get("type", "?") for t in traces if t.get("type", "scatter") not in SUPPORTED})
    title = _text(layout.get("title"))
    legend_items = [t for t in drawn if t.get("name") and t.get("showlegend", True) is not False]
    left, right, top = 70, 20, 50 if title else 20
    bottom = 60 + (24 if legend_items else 0)
    xaxis, yaxis = layout.get("xaxis") or {}, layout.get("yaxis") or {}

    xs: list = []
    ys: list = []
    bars_h = any(t.get("type") == "bar" and t.get("orientation") == "h" for t in drawn)
    for trace in drawn:
        xs += _decode(trace.get("x")) or list(range(len(_decode(trace.get("y")))))
        ys += _decode(trace.get("y")) or list(range(len(_decode(trace.get("x")))))
        for key, target in (("error_x", xs), ("error_y", ys)):
            err = trace.get(key) or {}
            base = _decode(trace.get(key[-1]))
            plus = _decode(err.get("array"))
            minus = _decode(err.get("arrayminus")) or plus
            for value, up, down in zip(base, plus, minus, strict=False):
                if _is_number(value) and _is_number(up) and _is_number(down):
                    target += [value + up, value - down]
    has_bars = any(t.get("type") == "bar" for t in drawn)
    x_axis = _Axis(xs, left, width - right, xaxis.get("range"), include_zero=has_bars and bars_h)
    y_axis = _Axis(ys, height - bottom, top, yaxis.get("range"), include_zero=has_bars and not bars_h)
    stacked = layout.get("barmode") in {"stack", "relative"}

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{html.escape(title or "figure")}" font-family="Arial, Helvetica, sans-serif" '
        f'font-size="12">',
        f"<title>{html.escape(title or 'figure')}</title>",
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    if title:
        parts.append(f'<text x="{left}" y="28" font-size="16">{html.escape(title)}</text>')
    for pos, label in y_axis.ticks():
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{pos:.1f}" y2="{pos:.1f}" stroke="#e5e5e5"/>')
        parts.append(f'<text x="{left - 6}" y="{pos + 4:.1f}" text-anchor="end">{html.escape(label)}</text>')
    for pos, label in x_axis.ticks():
        parts.append(f'<line x1="{pos:.1f}" x2="{pos:.1f}" y1="{height - bottom}" y2="{height - bottom + 5}" '
                     f'stroke="#444"/>')
        parts.append(f'<text x="{pos:.1f}" y="{height - bottom + 18}" text-anchor="middle">{html.escape(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" '
                 f'stroke="#444"/><line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" stroke="#444"/>')
    if _text(xaxis.get("title")):
        parts.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - bottom + 38}" text-anchor="middle">'
                     f"{html.escape(_text(xaxis.get('title')))}</text>")
    if _text(yaxis.get("title")):
        mid = (top + height - bottom) / 2
        parts.append(f'<text transform="translate(16,{mid:.0f}) rotate(-90)" text-anchor="middle">'
                     f"{html.escape(_text(yaxis.get('title')))}</text>")

    bar_traces = [t for t in drawn if t.get("type") == "bar"]
    stack_base: dict[str, float] = {}
    for index, trace in enumerate(drawn):
        colour = _colour(trace, index)
        x_values = _decode(trace.get("x")) or list(range(len(_decode(trace.get("y")))))
        y_values = _decode(trace.get("y")) or list(range(len(x_values)))
        if trace.get("type") == "bar":
            slot = 0 if stacked else bar_traces.index(trace)
            slots = 1 if stacked else len(bar_traces)
            parts += _bars(trace, x_values, y_values, x_axis, y_axis, colour, slot, slots, stack_base, stacked)
            continue
        parts += _scatter(trace, x_values, y_values, x_axis, y_axis, colour, index)

    if legend_items:
        x, y = left, height - 14
        for trace in legend_items:
            index = drawn.index(trace)
            colour = _colour(trace, index)
            if trace.get("type") == "bar":
                parts.append(f'<rect x="{x}" y="{y - 9}" width="14" height="10" fill="{colour}"/>')
            else:
                mode = trace.get("mode") or "lines+markers"
                if "lines" in mode:
                    dash = DASHES.get((trace.get("line") or {}).get("dash") or "", "")
                    parts.append(f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                                 f'stroke-width="2" stroke-dasharray="{dash}"/>')
                if "markers" in mode:
                    parts.append(_marker((trace.get("marker") or {}).get("symbol"), x + 9, y - 4, 8, colour))
            name = html.escape(str(trace.get("name"))[:40])
            parts.append(f'<text x="{x + 24}" y="{y}">{name}</text>')
            x += 40 + 7 * len(name)
    if skipped:
        parts.append(f'<text x="{left + 6}" y="{top + 14}" fill="#555">not drawn here: {", ".join(skipped)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _scatter(trace: dict, xs: list, ys: list, x_axis: _Axis, y_axis: _Axis, colour: str, index: int) -> list[str]:
    parts: list[str] = []
    points = [(x_axis.position(x), y_axis.position(y)) for x, y in zip(xs, ys, strict=False)]
    mode = trace.get("mode") or ("lines+markers" if len(points) < 20 else "lines")
    line = trace.get("line") or {}
    for key, axis, base, other in (("error_x", x_axis, xs, ys), ("error_y", y_axis, ys, xs)):
        err = trace.get(key) or {}
        plus = _decode(err.get("array"))
        minus = _decode(err.get("arrayminus")) or plus
        for value, fixed, up, down in zip(base, other, plus, minus, strict=False):
            if not (_is_number(value) and _is_number(up) and _is_number(down)):
                continue
            lo, hi = axis.position(value - down), axis.position(value + up)
            pos = (y_axis if key == "error_x" else x_axis).position(fixed)
            if None in (lo, hi, pos):
                continue
            if key == "error_x":
                parts.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{pos:.1f}" y2="{pos:.1f}" stroke="{colour}"/>')
            else:
                parts.append(f'<line x1="{pos:.1f}" x2="{pos:.1f}" y1="{lo:.1f}" y2="{hi:.1f}" stroke="{colour}"/>')
    if "lines" in mode:
        segment: list[str] = []
        for px, py in points + [(None, None)]:
            if px is None or py is None:
                if len(segment) > 1:
                    dash = DASHES.get(line.get("dash") or "", "")
                    stroke = _colour(trace, index, "line")
                    parts.append(f'<polyline points="{" ".join(segment)}" fill="none" stroke="{stroke}" '
                                 f'stroke-width="{line.get("width") or 2}" stroke-dasharray="{dash}"/>')
                segment = []
            else:
                segment.append(f"{px:.1f},{py:.1f}")
    if "markers" in mode:
        marker = trace.get("marker") or {}
        symbols = marker.get("symbol")
        size = marker.get("size") if _is_number(marker.get("size")) else 8
        for i, (px, py) in enumerate(points):
            if px is not None and py is not None:
                symbol = symbols[i] if isinstance(symbols, list) and i < len(symbols) else symbols
                parts.append(_marker(symbol, px, py, float(size), colour))
    if "text" in mode:
        labels = _decode(trace.get("text"))
        for (px, py), label in zip(points, labels, strict=False):
            if px is not None and py is not None:
                parts.append(f'<text x="{px + 6:.1f}" y="{py - 6:.1f}">{html.escape(str(label))}</text>')
    return parts


def _bars(trace: dict, xs: list, ys: list, x_axis: _Axis, y_axis: _Axis, colour: str, slot: int, slots: int,
          stack_base: dict[str, float], stacked: bool) -> list[str]:
    horizontal = trace.get("orientation") == "h"
    cat_axis, val_axis = (y_axis, x_axis) if horizontal else (x_axis, y_axis)
    cats, vals = (ys, xs) if horizontal else (xs, ys)
    unit = abs((cat_axis.position(1) or 0) - (cat_axis.position(0) or 0)) if not cat_axis.categories else \
        abs(cat_axis.end - cat_axis.start) / max(len(cat_axis.categories), 1)
    if "_width" in trace and not cat_axis.categories:
        unit = abs((cat_axis.position(trace["_width"]) or 0) - (cat_axis.position(0) or 0)) / 0.8
    thickness = unit * 0.8 / slots
    pattern = ((trace.get("marker") or {}).get("pattern") or {}).get("shape") or ""
    parts = []
    for cat, value in zip(cats, vals, strict=False):
        centre = cat_axis.position(cat)
        if centre is None or not _is_number(value):
            continue
        base = stack_base.get(str(cat), 0.0) if stacked else 0.0
        a, b = val_axis.position(base), val_axis.position(base + value)
        if stacked:
            stack_base[str(cat)] = base + value
        offset = centre - unit * 0.4 + slot * thickness
        if horizontal:
            x0, x1 = sorted((a, b))
            box = f'x="{x0:.1f}" y="{offset:.1f}" width="{x1 - x0:.1f}" height="{thickness:.1f}"'
        else:
            y0, y1 = sorted((a, b))
            box = f'x="{offset:.1f}" y="{y0:.1f}" width="{thickness:.1f}" height="{y1 - y0:.1f}"'
        parts.append(f'<rect {box} fill="{colour}" stroke="#333" stroke-width="0.5"/>')
        if pattern:
            parts.append(f'<rect {box} fill="none" stroke="#333" stroke-width="0.8" stroke-dasharray="3,3"/>')
    return parts


def describe_figure(figure: dict) -> str:
    """A short text alternative of a figure: its title and its series (kind, name, number of points)."""
    layout = figure.get("layout") or {}
    title = _text(layout.get("title")) or "Figure"
    series = []
    for trace in figure.get("data") or []:
        kind = {"bar": "bars", "histogram": "histogram"}.get(trace.get("type", "scatter"), "points")
        count = len(_decode(trace.get("y") if trace.get("y") is not None else trace.get("x")))
        series.append(f"{trace.get('name') or trace.get('type', 'series')} ({count} {kind})")
    axes = [_text((layout.get(a) or {}).get("title")) for a in ("xaxis", "yaxis")]
    axes_text = f"; x: {axes[0]}, y: {axes[1]}" if any(axes) else ""
    return f"{title}: {', '.join(series) or 'no data'}{axes_text}."


def svg_image_html(figure: dict) -> str:
    """An ``<img>`` holding the figure's SVG as a data URI, with the text alternative as its ``alt``."""
    data = base64.b64encode(figure_to_svg(figure).encode("utf-8")).decode("ascii")
    return f'<img alt="{html.escape(describe_figure(figure))}" src="data:image/svg+xml;base64,{data}">'


def figure_from_repr(text: str) -> dict | None:
    """The figure dict inside a FigureWidget's text form (``FigureWidget({...})``), or None.

    Long arrays are shortened in that text (``'AAAB' ... 'xyz'``); such a figure cannot be drawn and gives None.
    """
    match = re.match(r"^\s*(?:FigureWidget|Figure)\((.*)\)\s*$", text, re.DOTALL)
    if not match:
        return None
    try:
        value = ast.literal_eval(match.group(1))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, dict) and "data" in value else None
