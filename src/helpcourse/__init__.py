"""The Helper's Role: the course library.

Every piece of logic the course notebooks and the grading pipeline use lives here, where it is tested:
``evidence`` (cited research figures), ``data`` (real data sets), ``effects`` (effect sizes and
meta-analysis), ``simulate`` (seeded simulations), ``figures`` (plotly figure builders), ``demos``
(interactive demos) and ``checks`` (friendly formative feedback).
"""

__version__ = "0.1.0"
