"""Widgets shared by every demo: control styles and the live text alternative."""

from __future__ import annotations

import html

import ipywidgets as widgets

SLIDER_STYLE = {"description_width": "initial"}
SLIDER_LAYOUT = widgets.Layout(width="480px")


def live_text(text: str) -> str:
    """A text alternative that screen readers announce when it changes."""
    return f'<p aria-live="polite" class="helpcourse-alt"><b>What the figure shows:</b> {html.escape(text)}</p>'


