"""The sandbox's parts that need no kernel: answers as plain data, markup detection, names a cell reads, the wrapper.

Fast checks of the pieces the hostile-submission suite relies on; the suite itself grades real submissions.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from helpcourse.sandbox.execute import bound_names, cell_role, loaded_names
from helpcourse.sandbox.integrity import safe_markdown, unsafe_markdown
from helpcourse.sandbox.launch import SandboxSettings, bwrap_command, socket_directory, workdir_entries
from helpcourse.sandbox.plain import NotGradable, NotGradableError, inject, restore, snapshot


class AlwaysEqual:
    def __eq__(self, other):
        return True


class LyingText(str):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [
    0.0773, 3, 10**40, True, None, ..., "b", complex(1, 2), b"raw", Fraction(1, 3), Decimal("0.10"),
    [1, 2.5, "x", None], (1, "a"), {"k": 1, 2: [3]}, {1, 2}, np.float64(0.5), np.int8(3), np.arange(6).reshape(2, 3),
    np.array(["a", "bc"]), np.array([1.5, np.nan]), np.datetime64("2024-01-01"),
])
def test_plain_values_come_back_equal_and_of_the_same_type(value):
    back = restore(snapshot({"answer": value}, ["answer"]))["answer"]
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        np.testing.assert_array_equal(back, value)
        assert back.dtype == value.dtype
    else:
        assert back == value


def test_pandas_tables_come_back_equal():
    frame = pd.DataFrame({"trt": ["a", "b", "a"], "xi": [1, 2, 3], "ni": [10.0, 20.0, np.nan]}, index=[5, 5, 7])
    frame["trt"] = frame["trt"].astype("category")
    totals = frame.groupby("trt", observed=True)[["xi", "ni"]].sum()
    values = restore(snapshot({"frame": frame, "totals": totals, "col": frame["xi"]}, ["frame", "totals", "col"]))
    pd.testing.assert_frame_equal(values["frame"], frame)
    pd.testing.assert_frame_equal(values["totals"], totals)
    pd.testing.assert_series_equal(values["col"], frame["xi"])


@pytest.mark.parametrize("value", [AlwaysEqual(), LyingText("b"), math, print, lambda: 1, np.array([object()]),
                                   [1, AlwaysEqual()]])
def test_objects_that_are_not_plain_data_become_placeholders_that_fail(value):
    back = restore(snapshot({"answer": value}, ["answer"]))["answer"]
    assert isinstance(back, NotGradable)
    for use in (float, str, lambda v: v == "b", lambda v: v.strip(), bool, lambda v: f"{v}"):
        with pytest.raises(NotGradableError, match="not a plain value"):
            use(back)


def test_forged_snapshots_can_only_describe_data():
    forged = json.dumps({
        "a": {"t": "ndarray", "dtype": "|O", "shape": [1], "v": [1]},
        "b": {"t": "objects", "dtype": "object; import os", "v": []},
        "c": {"t": "pickle", "v": "gASV"},
        "d": {"t": "float", "v": "__import__('os')"},
        "e": {"t": "float", "v": "0.0773"},
        "bad name": {"t": "int", "v": "1"},
    })
    values = restore(forged)
    assert all(isinstance(values[k], NotGradable) for k in "abcd")
    assert values["e"] == 0.0773 and "bad name" not in values


def test_inject_never_replaces_the_courses_own_names():
    namespace = {"checks": "the course's module"}
    encoded = __import__("base64").b64encode(json.dumps({
        "requested": ["checks", "float", "answer"],
        "snapshot": snapshot({"checks": 1, "float": 2, "answer": 0.5}, ["checks", "float", "answer"]),
    }).encode()).decode()
    inject(namespace, encoded)
    assert namespace == {"checks": "the course's module", "answer": 0.5}


def test_names_a_cell_reads_and_binds():
    source = "import math\nassert math.isclose(float(variance_share), 0.278 ** 2)\n_x = totals.loc['a']"
    assert loaded_names(source) == {"math", "float", "variance_share", "totals"}
    assert bound_names(source) == {"math", "_x"}
    assert "answer" in loaded_names("%timeit answer + 1")  # not plain Python: every identifier counts


def test_cell_roles_follow_nbgrader_metadata():
    def cell(**meta):
        return {"cell_type": "code", "metadata": {"nbgrader": meta}}

    assert cell_role(cell(grade=True, solution=False, locked=True)) == "test"
    assert cell_role(cell(grade=False, solution=False, locked=True)) == "course"
    assert cell_role(cell(grade=False, solution=True, locked=False)) == "student"
    assert cell_role({"cell_type": "code", "metadata": {}}) == "student"


@pytest.mark.parametrize("text, unsafe", [
    ("A correlation of r = .28 means r < .3 and 8% of variance.", False),
    ("See [the paper](https://doi.org/10.1037/pst0000172) and <3", False),
    ("<script>alert(1)</script>", True),
    ('<img src=x onerror="alert(1)">', True),
    ("[click](javascript:alert(1))", True),
    ("[click]( JaVa&#115;cript:alert(1))", True),
    ("[ref]: vbscript:msgbox", True),
])
def test_markdown_with_html_or_unsafe_links_is_detected(text, unsafe):
    assert unsafe_markdown(text) is unsafe


def test_unsafe_markdown_is_shown_inside_a_fence_it_cannot_close():
    text = "```\n<script>alert(1)</script>\n````"
    shown = safe_markdown(text)
    fence = "`" * 5
    assert shown.endswith(f"{fence}text\n{text}\n{fence}".split("\n", 1)[1]) and f"{fence}text" in shown


def test_wrapper_hides_notebooks_and_links_in_the_working_copy(tmp_path):
    (tmp_path / "data.csv").write_text("a\n1\n")
    (tmp_path / "ps01.ipynb").write_text("{}")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "gradebook").symlink_to("/etc/passwd")
    assert workdir_entries(str(tmp_path)) == ["data.csv", "helpers"]


def test_wrapper_insists_on_a_private_ipc_socket_directory(tmp_path):
    with pytest.raises(Exception, match="ipc transport"):
        socket_directory({"transport": "tcp", "ip": "127.0.0.1"})
    with pytest.raises(Exception, match="directory of its own"):
        socket_directory({"transport": "ipc", "ip": "kernel"})


def test_wrapper_command_isolates_the_kernel(tmp_path):
    (tmp_path / "work").mkdir()
    command = bwrap_command(SandboxSettings(), 1_000_123, 3, 4, 5, str(tmp_path / "sock"), str(tmp_path / "work"),
                            [])
    joined = " ".join(command)
    for flag in ("--unshare-net", "--unshare-pid", "--clearenv", "--die-with-parent", "--reuid=1000123",
                 "--no-new-privs", "--bounding-set=-all", "PYTHONSAFEPATH 1", "ipykernel_launcher"):
        assert flag in joined
    assert "--bind / /" not in joined and "--ro-bind / /" not in joined
    assert command.index("-P") > command.index("--reuid=1000123")


def test_wrapper_refuses_a_working_directory_that_holds_what_it_exposes(tmp_path):
    from helpcourse.sandbox.launch import SandboxError

    for workdir in ("/", str(tmp_path)):
        with pytest.raises(SandboxError, match="folder of its own"):
            bwrap_command(SandboxSettings(), 1_000_123, 3, 4, 5, str(tmp_path / "sock"), workdir, [])
