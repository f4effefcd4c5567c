"""Reading the tolerance policy out of an exercise: which answers are numeric and how many decimals each asks for."""

from __future__ import annotations

import re

#: A hidden test's call ``checks.assert_close_to(answer, expected, decimals=N, ...)``: the answer name and N.
PRECISION = re.compile(r"checks\.assert_close_to\(\s*(?:float\()?(\w+)\)?,.*?decimals=(\d)", re.DOTALL)


def graded_precision(source: str) -> dict[str, int]:
    """Answer name -> decimals asked, for every numeric answer graded in ``source`` (cell text or a notebook's)."""
    return {name: int(decimals) for name, decimals in PRECISION.findall(source)}
