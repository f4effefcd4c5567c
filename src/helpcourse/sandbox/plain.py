"""Answers as plain data: how a student's values cross from the student's kernel to the kernel that runs the tests.

:func:`snapshot` runs in the student's kernel and turns the named variables into JSON text. Only values of exact,
known types are written: ``None``, ``...``, bool, int, float, complex, str, bytes, ``Fraction``, ``Decimal``,
lists, tuples, sets and dicts of them, numpy scalars and arrays (numbers, booleans, text, dates), and pandas
``Series``, ``DataFrame``, ``Index`` and ``Categorical`` holding such values. Anything else (an object of the
student's own class, a function, a module, a subclass of ``float`` or ``str``) is written as *not gradable*, with
its type name, and never converted: no method of it is called.

:func:`restore` runs in the test kernel and rebuilds the values from that text with constructors of the same
known types only. The student's kernel can write any text it likes, but text can only describe data, so the worst
it can do is claim an answer, which the student could have typed anyway. A not-gradable value becomes a
:class:`NotGradable` placeholder that fails, with a message naming the type, as soon as a test uses it.
"""

from __future__ import annotations

import base64
import json
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = ["NotGradable", "NotGradableError", "forget", "from_plain", "inject", "restore", "snapshot", "to_plain"]

#: Limits on one snapshot: nesting depth and number of elements (a larger value is not gradable).
MAX_DEPTH = 12
MAX_ITEMS = 2_000_000
MAX_JSON_CHARS = 64 * 1024 * 1024
#: numpy dtype kinds that are written: booleans, integers, floats, complex, text, dates, durations.
ARRAY_KINDS = frozenset("biufcUMm")
#: pandas extension dtypes that are rebuilt (by name) from a list of their values.
PANDAS_DTYPES = frozenset({"string", "str", "boolean", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16",
                           "UInt32", "UInt64", "Float32", "Float64"})


class NotGradableError(TypeError):
    """An answer that is not plain data was used by a test."""


class NotGradable:
    """Stands in for an answer that was not plain data; every use raises :class:`NotGradableError`."""

    __slots__ = ("_message",)

    def __init__(self, name: str, type_name: str) -> None:
        object.__setattr__(self, "_message", (
            f"`{name}` holds a {type_name} object, not a plain value (a number, text, a list or a table), "
            "so it cannot be graded automatically."
        ))

    def __repr__(self) -> str:
        return f"<not gradable: {self._message}>"

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise NotGradableError(self._message)

    __float__ = __int__ = __index__ = __complex__ = __bool__ = __len__ = __iter__ = __str__ = _fail
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __contains__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __pow__ = __rpow__ = __neg__ = __abs__ = __round__ = __getitem__ = __call__ = __format__ = _fail

    def __getattr__(self, name: str) -> Any:
        raise NotGradableError(object.__getattribute__(self, "_message"))

    def __setattr__(self, name: str, value: Any) -> None:
        raise NotGradableError(self._message)


class _TooBig(Exception):
    pass


class _Writer:
    """Converts values to tagged JSON-ready data, checking exact types and counting elements."""

    def __init__(self) -> None:
        self.items = 0

    def count(self, n: int = 1) -> None:
        self.items += n
        if self.items > MAX_ITEMS:
            raise _TooBig

    def value(self, v: Any, depth: int = 0) -> dict:  # noqa: C901 - one branch per accepted type
        if depth > MAX_DEPTH:
            raise _TooBig
        self.count()
        t = type(v)
        if v is None:
            return {"t": "none"}
        if v is Ellipsis:
            return {"t": "ellipsis"}
        if t is bool:
            return {"t": "bool", "v": bool.__bool__(v)}
        if t is int:
            return {"t": "int", "v": int.__repr__(v)}
        if t is float:
            return {"t": "float", "v": float.__repr__(v)}
        if t is complex:
            return {"t": "complex", "re": float.__repr__(v.real), "im": float.__repr__(v.imag)}
        if t is str:
            return {"t": "str", "v": str.__str__(v)}
        if t is bytes:
            return {"t": "bytes", "v": base64.b64encode(v).decode()}
        if t is Fraction:
            return {"t": "fraction", "v": f"{v.numerator}/{v.denominator}"}
        if t is Decimal:
            return {"t": "decimal", "v": Decimal.__str__(v)}
        if t in (list, tuple, set, frozenset):
            items = list.__iter__(v) if t is list else tuple.__iter__(v) if t is tuple else iter(v)
            return {"t": t.__name__, "v": [self.value(item, depth + 1) for item in items]}
        if t is dict:
            pairs = list(dict.items(v))
            return {"t": "dict", "k": [self.value(k, depth + 1) for k, _ in pairs],
                    "v": [self.value(x, depth + 1) for _, x in pairs]}
        module = t.__module__ or ""
        if module.startswith("numpy"):
            return self.numpy_value(v, depth)
        if module.startswith("pandas"):
            return self.pandas_value(v, depth)
        raise _NotPlain(t)

    def numpy_value(self, v: Any, depth: int) -> dict:
        import numpy as np

        t = type(v)
        if t is np.ndarray:
            if v.dtype.kind not in ARRAY_KINDS or v.dtype.hasobject:
                raise _NotPlain(t, f"array of {v.dtype}")
            self.count(int(v.size))
            return {"t": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape), "v": _array_data(v)}
        if t in _numpy_scalar_types():
            array = np.asarray(v)
            return {"t": "npscalar", "dtype": array.dtype.str, "v": _array_data(array.reshape(1))}
        raise _NotPlain(t)

    def pandas_value(self, v: Any, depth: int) -> dict:
        import pandas as pd

        t = type(v)
        if t is pd.Series:
            return {"t": "series", "values": self.column(v, depth), "index": self.index(v.index, depth),
                    "name": self.value(v.name, depth + 1)}
        if t is pd.DataFrame:
            return {"t": "dataframe", "columns": self.index(v.columns, depth),
                    "data": [self.column(v.iloc[:, i], depth) for i in range(v.shape[1])],
                    "index": self.index(v.index, depth)}
        if t is pd.Categorical:
            return self.column(v, depth)
        if isinstance(v, pd.Index) and t in _pandas_index_types():
            return self.index(v, depth)
        if t in (pd.Timestamp, pd.Timedelta):
            return {"t": t.__name__.lower(), "v": v.isoformat()}
        if v is pd.NA:
            return {"t": "na"}
        raise _NotPlain(t)

    def index(self, index: Any, depth: int) -> dict:
        import pandas as pd

        t = type(index)
        if t not in _pandas_index_types():
            raise _NotPlain(t)
        if t is pd.MultiIndex:
            return {"t": "multiindex", "levels": [self.index(index.get_level_values(i), depth + 1)
                                                  for i in range(index.nlevels)],
                    "names": [self.value(n, depth + 1) for n in index.names]}
        return {"t": "index", "values": self.column(index, depth), "name": self.value(index.name, depth + 1)}

    def column(self, values: Any, depth: int) -> dict:
        """One column (a Series, an Index or a Categorical): numpy-backed, categorical, or an extension type."""
        import numpy as np
        import pandas as pd

        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categorical = pd.Categorical(values)
            return {"t": "categorical", "categories": self.column(pd.Index(categorical.categories), depth + 1),
                    "codes": self.value(np.asarray(categorical.codes), depth + 1),
                    "ordered": bool(dtype.ordered)}
        if isinstance(dtype, np.dtype) and dtype.kind in ARRAY_KINDS:
            return self.value(np.asarray(values), depth + 1)
        name = str(dtype)
        if isinstance(dtype, np.dtype) and dtype.kind == "O" or name in PANDAS_DTYPES:
            items = [None if (item is None or item is pd.NA or (type(item) is float and math.isnan(item)))
                     else item for item in np.asarray(values, dtype=object).tolist()]
            self.count(len(items))
            return {"t": "objects", "dtype": "object" if name == "object" else name,
                    "v": [self.value(item, depth + 2) for item in items]}
        raise _NotPlain(type(values), f"column of {name}")


class _NotPlain(Exception):
    def __init__(self, t: type, what: str | None = None) -> None:
        super().__init__(what or getattr(t, "__qualname__", "unknown"))


def _array_data(array: Any) -> Any:
    """Flat JSON-ready values of a numpy array (complex as pairs, dates as integers of their unit)."""
    kind = array.dtype.kind
    flat = array.reshape(-1)
    if kind == "c":
        return [[float.__repr__(float(x.real)), float.__repr__(float(x.imag))] for x in flat.tolist()]
    if kind == "f":
        return [float.__repr__(float(x)) for x in flat.tolist()]
    if kind in "Mm":
        return flat.view("i8").tolist()
    if kind == "U":
        return [str(x) for x in flat.tolist()]
    return flat.tolist()


def _numpy_scalar_types() -> tuple[type, ...]:
    import numpy as np

    return (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
            np.float16, np.float32, np.float64, np.longdouble, np.complex64, np.complex128, np.str_,
            np.datetime64, np.timedelta64)


def _pandas_index_types() -> tuple[type, ...]:
    import pandas as pd

    return (pd.Index, pd.RangeIndex, pd.CategoricalIndex, pd.DatetimeIndex, pd.TimedeltaIndex, pd.MultiIndex)


def to_plain(value: Any) -> dict:
    """Tagged, JSON-ready data for one value, or ``{"t": "not_gradable", "type": ...}`` when it is not plain."""
    try:
        return _Writer().value(value)
    except _NotPlain as error:
        return {"t": "not_gradable", "type": str(error)}
    except _TooBig:
        return {"t": "not_gradable", "type": "too large or too deeply nested"}
    except RecursionError:
        return {"t": "not_gradable", "type": "self-referencing"}


def snapshot(namespace: dict, names: list[str]) -> str:
    """JSON text with the plain form of each of ``names`` found in ``namespace`` (runs in the student's kernel)."""
    found = {}
    for name in names:
        if type(name) is str and name in namespace:
            found[name] = to_plain(namespace[name])
    return json.dumps(found, allow_nan=False)


class _Reader:
    """Rebuilds values from tagged data with known constructors only."""

    def __init__(self) -> None:
        self.items = 0

    def value(self, d: Any, depth: int = 0) -> Any:  # noqa: C901 - one branch per accepted tag
        if depth > MAX_DEPTH * 3 or type(d) is not dict:
            raise ValueError("malformed plain value")
        self.items += 1
        if self.items > MAX_ITEMS:
            raise ValueError("plain value too large")
        tag = d.get("t")
        if tag == "none":
            return None
        if tag == "ellipsis":
            return Ellipsis
        if tag == "bool":
            return d["v"] is True
        if tag == "int":
            return int(_text(d["v"], 5000))
        if tag == "float":
            return float(_text(d["v"], 40))
        if tag == "complex":
            return complex(float(_text(d["re"], 40)), float(_text(d["im"], 40)))
        if tag == "str":
            return _text(d["v"], MAX_JSON_CHARS)
        if tag == "bytes":
            return base64.b64decode(_text(d["v"], MAX_JSON_CHARS))
        if tag == "fraction":
            return Fraction(_text(d["v"], 5000))
        if tag == "decimal":
            return Decimal(_text(d["v"], 5000))
        if tag in ("list", "tuple", "set", "frozenset"):
            items = [self.value(x, depth + 1) for x in _list(d["v"])]
            return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
        if tag == "dict":
            return dict(zip([self.value(k, depth + 1) for k in _list(d["k"])],
                            [self.value(v, depth + 1) for v in _list(d["v"])], strict=True))
        if tag in ("ndarray", "npscalar"):
            return self.array(d, scalar=tag == "npscalar")
        if tag in ("series", "dataframe", "index", "multiindex", "categorical", "objects", "na", "timestamp",
                   "timedelta"):
            return self.pandas(d, depth)
        raise ValueError(f"unknown plain tag {tag!r}")

    def array(self, d: dict, scalar: bool) -> Any:
        import numpy as np

        dtype = np.dtype(_text(d["dtype"], 16))
        if dtype.kind not in ARRAY_KINDS or dtype.hasobject:
            raise ValueError("array dtype not allowed")
        data = _list(d["v"])
        self.items += len(data)
        if dtype.kind == "c":
            values = np.array([complex(float(_text(re, 40)), float(_text(im, 40))) for re, im in data], dtype=dtype)
        elif dtype.kind == "f":
            values = np.array([float(_text(x, 40)) for x in data], dtype=dtype)
        elif dtype.kind in "Mm":
            values = np.array([int(x) for x in data], dtype="i8").view(dtype)
        elif dtype.kind == "U":
            values = np.array([_text(x, MAX_JSON_CHARS) for x in data], dtype=dtype)
        else:
            values = np.array([_number(x) for x in data], dtype=dtype)
        if scalar:
            return values[0]
        shape = tuple(int(n) for n in _list(d["shape"]))
        return values.reshape(shape)

    def pandas(self, d: dict, depth: int) -> Any:
        import pandas as pd

        tag = d["t"]
        if tag == "na":
            return pd.NA
        if tag == "timestamp":
            return pd.Timestamp(_text(d["v"], 64))
        if tag == "timedelta":
            return pd.Timedelta(_text(d["v"], 64))
        if tag == "series":
            return pd.Series(self.column(d["values"], depth), index=self.index(d["index"], depth),
                             name=self.value(d["name"], depth + 1))
        if tag == "dataframe":
            columns = self.index(d["columns"], depth)
            data = [self.column(c, depth) for c in _list(d["data"])]
            index = self.index(d["index"], depth)
            if not data:
                return pd.DataFrame(index=index, columns=columns)
            frame = pd.DataFrame(dict(enumerate(data)))
            frame.index = index
            frame.columns = columns
            return frame
        if tag in ("index", "multiindex"):
            return self.index(d, depth)
        return self.column(d, depth)

    def index(self, d: dict, depth: int) -> Any:
        import pandas as pd

        if type(d) is not dict:
            raise ValueError("malformed index")
        if d.get("t") == "multiindex":
            levels = [self.index(level, depth + 1) for level in _list(d["levels"])]
            return pd.MultiIndex.from_arrays(levels, names=[self.value(n, depth + 1) for n in _list(d["names"])])
        if d.get("t") != "index":
            raise ValueError("malformed index")
        return pd.Index(self.column(d["values"], depth), name=self.value(d["name"], depth + 1))

    def column(self, d: dict, depth: int) -> Any:
        import pandas as pd

        if type(d) is not dict:
            raise ValueError("malformed column")
        tag = d.get("t")
        if tag == "categorical":
            categories = self.column(d["categories"], depth + 1)
            codes = self.value(d["codes"], depth + 1)
            return pd.Categorical.from_codes(codes, categories=categories, ordered=d.get("ordered") is True)
        if tag == "objects":
            dtype = _text(d["dtype"], 16)
            values = [self.value(x, depth + 1) for x in _list(d["v"])]
            if dtype == "object":
                return pd.array(values, dtype=object)
            if dtype not in PANDAS_DTYPES:
                raise ValueError("column dtype not allowed")
            return pd.array(values, dtype=dtype)
        return self.value(d, depth + 1)


def _text(x: Any, limit: int) -> str:
    if type(x) is not str or len(x) > limit:
        raise ValueError("malformed text in a plain value")
    return x


def _number(x: Any) -> int | float | bool:
    if type(x) not in (int, float, bool):
        raise ValueError("malformed number in a plain value")
    return x


def _list(x: Any) -> list:
    if type(x) is not list:
        raise ValueError("malformed list in a plain value")
    return x


def from_plain(data: dict, name: str = "answer") -> Any:
    """Rebuild one value from :func:`to_plain`'s data; a not-gradable value becomes a :class:`NotGradable`."""
    if type(data) is dict and data.get("t") == "not_gradable":
        return NotGradable(name, _text(data.get("type", "unknown"), 200))
    return _Reader().value(data)


def restore(text: str) -> dict[str, Any]:
    """The values of a :func:`snapshot` (runs in the test kernel); malformed entries become :class:`NotGradable`."""
    if len(text) > MAX_JSON_CHARS:
        raise ValueError("snapshot too large")
    raw = json.loads(text)
    if type(raw) is not dict:
        raise ValueError("malformed snapshot")
    values = {}
    for name, data in raw.items():
        if not name.isidentifier():
            continue
        try:
            values[name] = from_plain(data, name)
        except (ValueError, TypeError, KeyError, OverflowError, ArithmeticError):
            values[name] = NotGradable(name, "malformed")
    return values


#: Names the test kernel has taken from the student (all other names there were bound by the course's own cells).
_INJECTED: set[str] = set()


def inject(namespace: dict, encoded: str) -> list[str]:
    """Put the student's values into the test kernel's namespace (runs in the test kernel).

    ``encoded`` is base64 of JSON ``{"requested": [names], "snapshot": snapshot text}``. A name that the course's
    own cells bound, or a builtin, is never replaced; a requested name the student no longer has is removed.
    Returns the names that hold a :class:`NotGradable`.
    """
    import builtins

    payload = json.loads(base64.b64decode(encoded).decode())
    values = restore(payload["snapshot"])
    placeholders = []
    for name in payload["requested"]:
        if type(name) is not str or hasattr(builtins, name):
            continue
        if name in namespace and name not in _INJECTED:
            continue
        if name in values:
            namespace[name] = values[name]
            _INJECTED.add(name)
            if isinstance(values[name], NotGradable):
                placeholders.append(name)
        elif name in _INJECTED:
            namespace.pop(name, None)
    return placeholders


def forget() -> None:
    """Forget which names came from a student (the test kernel's namespace was reset for the next one)."""
    _INJECTED.clear()
