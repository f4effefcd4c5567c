"""Interactive demos: a figure builder from :mod:`helpcourse.figures` wired to labelled ipywidgets controls.

One file per topic (``reading`` for module 01, ...), all re-exported here, so notebooks write
``demos.correlation_explorer()``.

Demos hold no statistics of their own: they call :mod:`helpcourse.simulate`, :mod:`helpcourse.effects` and
:mod:`helpcourse.findings`, and update the traces of one ``FigureWidget`` inside ``batch_update()``. Every demo
is an ``ipywidgets.VBox`` (controls, figure, a live text alternative), so a notebook cell shows it with one call
and a test can drive its controls directly.
"""

from helpcourse.demos.adapting import *  # noqa: F403
from helpcourse.demos.alliance import *  # noqa: F403
from helpcourse.demos.capstone import *  # noqa: F403
from helpcourse.demos.collaboration import *  # noqa: F403
from helpcourse.demos.common import SLIDER_LAYOUT, SLIDER_STYLE, live_text  # noqa: F401
from helpcourse.demos.facilitate import *  # noqa: F403
from helpcourse.demos.practice import *  # noqa: F403
from helpcourse.demos.reading import *  # noqa: F403
from helpcourse.demos.relationship import *  # noqa: F403
from helpcourse.demos.strengths import *  # noqa: F403
