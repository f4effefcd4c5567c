"""Plotly figure builders: pure functions, data in, ``go.Figure`` out.

One file per topic; this package re-exports them all, so notebooks write ``figures.forest_plot(...)``.
Every figure uses one colour-blind-safe palette (Okabe & Ito) and never lets colour carry meaning alone, and every
builder has a ``describe_*`` companion returning the figure's text alternative.
"""

from helpcourse.figures.adapting import *  # noqa: F403
from helpcourse.figures.alliance import *  # noqa: F403
from helpcourse.figures.capstone import *  # noqa: F403
from helpcourse.figures.coder import *  # noqa: F403
from helpcourse.figures.collaboration import *  # noqa: F403
from helpcourse.figures.core import *  # noqa: F403
from helpcourse.figures.core import PALETTE, base_layout, format_percent, format_r  # noqa: F401
from helpcourse.figures.facilitate import *  # noqa: F403
from helpcourse.figures.reading import *  # noqa: F403
from helpcourse.figures.relationship import *  # noqa: F403
from helpcourse.figures.strengths import *  # noqa: F403
