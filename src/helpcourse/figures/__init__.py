"""Plotly figure builders: pure functions, data in, ``go.Figure`` out.

One file per topic; every public name is reachable here (``figures.forest_plot(...)``), and a topic's file is
imported when one of its names is first used (:mod:`helpcourse.lazy`).
Every figure uses one colour-blind-safe palette (Okabe & Ito) and never lets colour carry meaning alone, and every
builder has a ``describe_*`` companion returning the figure's text alternative.
"""

from __future__ import annotations

from pathlib import Path

from helpcourse.lazy import topic_attributes, topic_names

#: Each topic file's public names (its ``__all__``), read from the files without importing them.
TOPIC_NAMES = topic_names(Path(__file__).parent)

__all__, __getattr__, __dir__ = topic_attributes(__name__, TOPIC_NAMES, globals())
