"""Packages whose public names are imported on first use, so a notebook loads only the topics it uses.

:mod:`helpcourse.demos` and :mod:`helpcourse.figures` list each topic file's public names (its ``__all__``) and
hand them to :func:`topic_attributes`; ``demos.correlation_explorer`` then imports ``helpcourse.demos.reading`` the
first time it is used (PEP 562, module ``__getattr__``). ``tests/test_architecture.py`` keeps the lists equal to the
files' ``__all__`` and checks that importing one topic imports no other.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["topic_attributes"]


def topic_attributes(
    package: str, topic_names: Mapping[str, tuple[str, ...]], namespace: dict[str, Any]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__all__``, ``__getattr__`` and ``__dir__`` of a package whose names live in topic files.

    Parameters
    ----------
    package
        The package's ``__name__`` (e.g. ``"helpcourse.demos"``).
    topic_names
        Each topic file's name (``"reading"``) and the public names it defines.
    namespace
        The package's ``globals()``: a name, once imported, is kept there so later uses cost nothing.

    Returns
    -------
    tuple
        ``__all__`` (every public name, sorted), ``__getattr__`` and ``__dir__`` for the package.
    """
    topic_of = {name: topic for topic, names in topic_names.items() for name in names}

    def __getattr__(name: str) -> Any:
        topic = topic_of.get(name)
        if topic is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{topic}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *topic_of})

    return sorted(topic_of), __getattr__, __dir__
