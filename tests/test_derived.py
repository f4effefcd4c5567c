"""Derived tables kept on disk (helpcourse.derived) and the reply coder loaded in the background."""

from __future__ import annotations

import logging
import threading

import pandas as pd
import pytest

from helpcourse import coder, data, derived

FILES = (("annomi", "AnnoMI-simple.csv"),)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    return tmp_path


def counting_table():
    calls: list[int] = []

    @derived.kept_on_disk(*FILES)
    def _table(size: int) -> pd.DataFrame:
        calls.append(size)
        return pd.DataFrame({"value": range(size)})

    return _table, calls


def test_a_table_is_built_once_then_read_from_disk_by_a_new_session(cache):
    table, calls = counting_table()
    first = table(3)
    assert first["value"].tolist() == [0, 1, 2] and calls == [3]
    first.loc[0, "value"] = 99  # a caller may change its copy
    assert table(3)["value"].tolist() == [0, 1, 2] and calls == [3]
    kept = sorted((cache / "derived").glob("*.pickle"))
    assert [path.name.rsplit("_", 1)[0] for path in kept] == ["test_derived.table"]

    table.cache_clear()  # as in a new kernel
    assert table(3)["value"].tolist() == [0, 1, 2] and calls == [3]
    assert table(4)["value"].tolist() == [0, 1, 2, 3] and calls == [3, 4]
    assert len(list((cache / "derived").glob("*.pickle"))) == 2


def test_the_key_changes_with_the_data_file_and_the_arguments(cache, monkeypatch):
    path = derived.cache_path("t", FILES, (1,))
    assert path.parent == cache / "derived" and path.suffix == ".pickle"
    assert derived.cache_path("t", FILES, (2,)) != path
    monkeypatch.setattr(data, "pinned_sha256", lambda dataset, filename: "0" * 64)
    assert derived.cache_path("t", FILES, (1,)) != path


def test_an_unreadable_kept_file_is_built_again(cache, caplog):
    table, calls = counting_table()
    table(2)
    (kept,) = (cache / "derived").glob("*.pickle")
    kept.write_bytes(b"not a pickle")
    table.cache_clear()
    with caplog.at_level(logging.WARNING, logger="helpcourse.derived"):
        assert table(2)["value"].tolist() == [0, 1]
    assert calls == [2, 2] and "could not be read" in caplog.text
    table.cache_clear()
    assert table(2)["value"].tolist() == [0, 1] and calls == [2, 2]  # the file was replaced


def test_a_read_only_cache_still_gives_the_table(tmp_path, monkeypatch):
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv(data.CACHE_ENV, str(blocked))  # <cache>/derived cannot be created
    table, calls = counting_table()
    assert table(2)["value"].tolist() == [0, 1] and calls == [2]


def test_the_adherence_table_read_back_equals_the_one_built(cache):
    from helpcourse import adherence

    adherence._adherence_table.cache_clear()
    built = adherence.adherence_table()
    assert len(list((cache / "derived").glob("adherence.adherence_table_*.pickle"))) == 1
    adherence._adherence_table.cache_clear()
    pd.testing.assert_frame_equal(adherence.adherence_table(), built)


def test_a_given_coder_is_ready_at_once():
    sentinel = object()
    ready = coder.coder_when_ready(sentinel)  # type: ignore[arg-type]
    assert ready.done() and ready.result() is sentinel


def test_the_default_coder_loads_once_in_the_background_and_a_failed_load_is_tried_again(monkeypatch):
    release = threading.Event()
    attempts: list[str] = []

    def slow_load():
        attempts.append(threading.current_thread().name)
        release.wait(5)
        if len(attempts) == 1:
            raise data.DataUnavailableError("no AnnoMI file")
        return "the coder"

    monkeypatch.setattr(coder, "load_coder", slow_load)
    monkeypatch.setattr(coder, "_loading", None)
    first = coder.coder_when_ready()
    assert not first.done()  # the widget does not wait
    assert coder.coder_when_ready() is first  # one load per session
    release.set()
    with pytest.raises(data.DataUnavailableError):
        first.result(5)
    second = coder.coder_when_ready()
    assert second is not first and second.result(5) == "the coder"
    assert coder.coder_when_ready() is second
    assert all(name.startswith("helpcourse-coder") for name in attempts) and len(attempts) == 2


POOL = """
import json, sys
from helpcourse import effects
fit = effects.random_effects_meta([0.2, 0.5, 0.8, 0.1], [0.04, 0.02, 0.05, 0.03], method="dl")
loaded = "statsmodels" in sys.modules
print(json.dumps({"estimate": fit.estimate, "tau2": fit.tau2, "i2": fit.i2, "statsmodels": loaded}))
"""


def test_a_meta_analysis_is_kept_so_a_new_kernel_does_not_import_statsmodels(tmp_path):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, data.CACHE_ENV: str(tmp_path)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", POOL], env=env, capture_output=True, text=True,
                                      check=True).stdout) for _ in range(2)]
    assert runs[0]["statsmodels"] and not runs[1]["statsmodels"]
    assert runs[0]["estimate"] == runs[1]["estimate"] and runs[0]["tau2"] == runs[1]["tau2"] > 0
    assert len(list((tmp_path / "derived" / "effects.random_effects_meta").glob("*.pickle"))) == 1


def test_in_a_kernel_the_coder_loads_once_no_cell_has_run_for_a_while_or_when_a_reply_needs_it(monkeypatch):
    import time

    activity = coder._CellActivity()
    monkeypatch.setattr(coder, "_activity", activity)
    monkeypatch.setattr(coder, "_needed_now", threading.Event())
    monkeypatch.setattr(coder, "load_coder", lambda: "the coder")
    monkeypatch.setattr(coder, "_loading", None)
    activity.started()  # a Run All is going on
    loading = coder.coder_when_ready()
    time.sleep(3 * coder.IDLE_BEFORE_LOADING)
    assert not loading.done()
    activity.finished()
    began = time.monotonic()
    assert loading.exception(5) is None and loading.done()
    assert time.monotonic() - began >= coder.IDLE_BEFORE_LOADING - 0.06

    monkeypatch.setattr(coder, "_loading", None)
    activity.started()
    asked = coder.coder_when_ready()
    assert asked.result(5) == "the coder"  # a reply waiting for it starts the load at once
