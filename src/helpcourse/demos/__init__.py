"""Interactive demos: a figure builder from :mod:`helpcourse.figures` wired to labelled ipywidgets controls.

One file per module topic (``reading`` for module 01, ..., ``capstone`` for module 08; ``practice`` is the reply
practice and ``conversation`` the conversation practice, both of modules 03 and 08); the widget building blocks they
share are in :mod:`helpcourse.demos.common` (sliders, the figure widget, the text alternative, the practice-bank
buttons) and :mod:`helpcourse.demos.choice` (the keyboard-friendly multiple-choice control).
``docs/ARCHITECTURE.md`` maps each module to its files.

Notebooks write ``demos.correlation_explorer()``: every public name of every topic is reachable here, but a topic's
file is imported only when one of its names is first used, so a notebook loads only its own demos.

Demos hold no statistics of their own: they call :mod:`helpcourse.simulate`, :mod:`helpcourse.effects` and the
analysis modules, and update the traces of one ``FigureWidget`` inside ``batch_update()``. Every demo is an
``ipywidgets.VBox`` (controls, figure, a live text alternative), so a notebook cell shows it with one call and a
test can drive its controls directly.
"""

from __future__ import annotations

from pathlib import Path

from helpcourse.lazy import topic_attributes, topic_names

#: Each topic file's public names (its ``__all__``), read from the files without importing them.
TOPIC_NAMES = topic_names(Path(__file__).parent)

__all__, __getattr__, __dir__ = topic_attributes(__name__, TOPIC_NAMES, globals())
