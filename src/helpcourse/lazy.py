"""Packages whose public names are imported on first use, so a notebook loads only the topics it uses.

:mod:`helpcourse.demos` and :mod:`helpcourse.figures` read each topic file's public names (its ``__all__`` list,
read as text by :func:`topic_names`, without importing the file) and hand them to :func:`topic_attributes`;
``demos.correlation_explorer`` then imports ``helpcourse.demos.reading`` the first time it is used (PEP 562, module
``__getattr__``). ``tests/test_architecture.py`` checks that the names read equal each file's ``__all__`` once
imported, and that importing one topic imports no other.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["topic_attributes", "topic_names"]

_ALL_LIST = re.compile(r"^__all__ = (\[.*?\])", re.MULTILINE | re.DOTALL)


def topic_names(folder: Path) -> dict[str, tuple[str, ...]]:
    """Each topic file's public names, from the ``__all__ = [...]`` list at its top level, without importing it.

    Parameters
    ----------
    folder
        The package's folder; every ``*.py`` file but ``__init__.py`` is a topic.

    Returns
    -------
    dict of str to tuple of str
        Topic (the file's stem) to its public names, in file order.

    Raises
    ------
    ValueError
        When a topic file has no ``__all__`` list or two topics define the same name.
    """
    names: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py":
            continue
        found = _ALL_LIST.search(path.read_text(encoding="utf-8"))
        if found is None:
            raise ValueError(f"{path.name} has no __all__ list: its public names cannot be found.")
        names[path.stem] = tuple(ast.literal_eval(found.group(1)))
        for name in names[path.stem]:
            if name in seen:
                raise ValueError(f"{name!r} is defined by both {seen[name]}.py and {path.name}.")
            seen[name] = path.stem
    return names


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
