"""The Helper's Role: the course library.

Every piece of logic the course notebooks and the grading pipeline use lives here, where it is tested.
``docs/ARCHITECTURE.md`` draws the layers and maps each course module to its files: ``evidence`` (cited research
figures) and ``data`` (real data sets) at the bottom; the analysis modules named by what they compute (``effects``,
``metaanalysis``, ``talk``, ``progress``, ...); ``simulate`` (seeded simulations, one file per topic); ``figures``
(plotly figure builders); ``demos`` (interactive demos and their widget building blocks); ``checks`` (friendly
formative feedback). ``figures`` and ``demos`` import a topic's file when one of its names is first used.
"""

import sys

__version__ = "0.1.0"


def _skip_iri_grammar_in_kernels() -> None:
    """In a notebook kernel, let jsonschema skip the IRI grammar that it would otherwise compile at import (~1.3 s).

    plotly's widget imports nbformat, which imports jsonschema, whose optional IRI format checks import
    ``rfc3987_syntax``, which compiles a Lark grammar on import. Nothing in a course kernel validates an IRI, so in
    a kernel (ipykernel already loaded, jsonschema not yet) the package is marked as absent and jsonschema leaves
    those two format checks out, as it does wherever the package is not installed. The Jupyter server, nbgrader
    and the tests are not kernels and keep it. ``docs/STACK.md`` ("Opening a module") has the measurements.
    """
    if "ipykernel" in sys.modules and "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


_skip_iri_grammar_in_kernels()
