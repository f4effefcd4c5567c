"""Tables computed from a data set, kept on disk so that a new kernel reads them instead of computing them again.

Some tables take a second or two to build (running the non-adherence rules over every AnnoMI utterance, or
screening every client statement for risk words), and every new kernel that opens module 03 or 08 would build them
again. :func:`kept_on_disk` wraps such a function: the first call in a Python session reads the table from
``<cache>/derived/`` when a file with the same key is there, else builds it and writes it; later calls in the same
session return the table held in memory. Each call returns a fresh copy, so a caller may change it.

The key names the function, its arguments, the pinned sha256 of every data file it reads (from the course's data
registry), a hash of the course's own Python code (any change to the library gives a new key) and the pandas
version. A file that cannot be read or holds anything else is built again; a folder that cannot be written (the
grading sandbox mounts the cache read-only) only means the table is built in memory. Files are pickles: the cache
folder is the user's own, as for the reply coder (docs/CODER.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from helpcourse import data

__all__ = ["cache_path", "kept_on_disk", "kept_result"]

logger = logging.getLogger(__name__)

Table = TypeVar("Table", bound=pd.DataFrame)
Result = TypeVar("Result")

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def _code_hash() -> str:
    """A hash of every Python file of the course's library (its analysis, simulations, demos and tools)."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_path(name: str, files: tuple[tuple[str, str], ...], arguments: tuple[Any, ...] = ()) -> Path:
    """Where a derived table is kept.

    Parameters
    ----------
    name
        The table's name (the building function's module and name).
    files
        The ``(dataset, file)`` pairs it is computed from.
    arguments
        The building function's arguments (their ``repr`` enters the key).

    Returns
    -------
    pathlib.Path
        ``<cache>/derived/<name>_<key>.pickle``, where ``<cache>`` is :func:`helpcourse.data.cache_dir`.
    """
    digest = hashlib.sha256()
    for dataset, filename in files:
        digest.update(f"{dataset}/{filename}:{data.pinned_sha256(dataset, filename)}\n".encode())
    digest.update(repr(arguments).encode())
    digest.update(f"\ncode {_code_hash()} pandas {pd.__version__}".encode())
    return data.cache_dir() / "derived" / f"{name}_{digest.hexdigest()[:20]}.pickle"


def _read(path: Path, kind: type = pd.DataFrame) -> Any:
    try:
        with path.open("rb") as handle:
            table = pickle.load(handle)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Exception as exc:  # an unreadable file is built again
        logger.warning("building %s again: the kept file could not be read (%s)", path.name, exc)
        return None
    if not isinstance(table, kind):
        logger.warning("building %s again: the kept file holds something else", path.name)
        return None
    return table


def _write(path: Path, table: object) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as handle:
            pickle.dump(table, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError as exc:  # a read-only cache: the table is only kept in memory
        logger.info("could not keep %s on disk (%s)", path.name, exc)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def kept_on_disk(*files: tuple[str, str]) -> Callable[[Callable[..., Table]], Callable[..., Table]]:
    """Decorate a function that builds a table from data files, so that its result is kept on disk.

    Parameters
    ----------
    files
        The ``(dataset, file)`` pairs the function reads (their pinned sha256 enter the key).

    Returns
    -------
    callable
        A decorator. The decorated function takes the same positional arguments (hashable, with a stable
        ``repr``) and returns a fresh copy of the table on every call.
    """

    def decorate(build: Callable[..., Table]) -> Callable[..., Table]:
        name = f"{build.__module__.removeprefix('helpcourse.')}.{build.__name__.lstrip('_')}"

        @functools.cache
        def held(*arguments: Any) -> Table:
            path = cache_path(name, files, arguments)
            table = _read(path)
            if table is None:
                table = build(*arguments)
                _write(path, table)
            return table  # type: ignore[return-value]

        @functools.wraps(build)
        def fresh_copy(*arguments: Any) -> Table:
            return held(*arguments).copy()  # type: ignore[return-value]

        fresh_copy.cache_clear = held.cache_clear  # type: ignore[attr-defined]
        return fresh_copy

    return decorate


_RESULTS: dict[Path, Any] = {}


def kept_result(name: str, key: tuple[bytes | str, ...], kind: type[Result], build: Callable[[], Result]) -> Result:
    """A small result computed from numbers, kept on disk under a key made of those numbers.

    For computations whose inputs take few distinct values in the course (the meta-analyses of the real trials:
    a few subsets times two estimators), so that a new kernel need not import the library that computes them.

    Parameters
    ----------
    name
        The computation's name (the file's prefix).
    key
        Everything the result depends on (the inputs' bytes, settings, the computing library's version); a hash
        of the course's code is added.
    kind
        The result's type: a kept file holding anything else is computed again.
    build
        Computes the result.

    Returns
    -------
    object
        The result, from memory, from ``<cache>/derived/<name>/`` or just computed (and then kept).
    """
    digest = hashlib.sha256(f"code {_code_hash()}".encode())
    for part in key:
        digest.update(b"\x00" + (part if isinstance(part, bytes) else part.encode()))
    path = data.cache_dir() / "derived" / name / f"{digest.hexdigest()[:24]}.pickle"
    if path in _RESULTS:
        return _RESULTS[path]
    result = _read(path, kind)
    if result is None:
        result = build()
        _write(path, result)
    _RESULTS[path] = result
    return result
