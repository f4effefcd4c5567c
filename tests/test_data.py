"""Tests for ``helpcourse.data``: the registry, checksum-verified fetching, and the tidy loaders.

The loaders are tested on the real files of the offline mirror (``HELPCOURSE_DATA_DIR``). Failure paths
use a temporary cache, no mirror, and only 127.0.0.1: a closed port for "no network", and a local HTTP
server serving a temporary copy of the mirror for downloads. No test reaches an external host.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from helpcourse import data

SMALL = ("metadat", "dat.hasselblad1998.txt")


# --------------------------------------------------------------------------------------------------
# Helpers and fixtures
# --------------------------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def registry_sha(dataset: str, filename: str) -> str:
    entry = next(d for d in data._registry().values() if d["dataset"] == dataset)
    return next(f["sha256"] for f in entry["files"] if f["file"] == filename)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (random port) in a thread; yield its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens, so a connection is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("helpcourse-cache")


@pytest.fixture(autouse=True)
def _temporary_cache(monkeypatch: pytest.MonkeyPatch, session_cache: Path) -> None:
    """Every test caches into a temporary folder, never into the user's cache."""
    monkeypatch.setenv("HELPCOURSE_CACHE_DIR", str(session_cache))
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No mirror and an empty temporary cache; returns the cache folder."""
    cache = tmp_path / "cache"
    monkeypatch.delenv("HELPCOURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("HELPCOURSE_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def served_copy(mirror_dir: Path, tmp_path: Path) -> Path:
    """A temporary copy of the mirror's ``metadat`` folder, to serve over HTTP."""
    root = tmp_path / "served"
    shutil.copytree(mirror_dir / "metadat", root / "metadat")
    return root


def rd_columns(rd_file: Path) -> list[str]:
    text = rd_file.read_text(encoding="utf-8")
    section = text[text.index("\\format{") : text.index("\\details{")]
    return re.findall(r"\\bold\{(\w+)\}", section)


def rd_study_count(rd_file: Path) -> int:
    found = re.search(r"Results from (\d+) studies", rd_file.read_text(encoding="utf-8"))
    assert found is not None
    return int(found.group(1))


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


#: Citations the course corrects against the data set's own README (docs/STACK.md): the manifest's AnnoMI
#: citation leaves out Ehud Reiter, whom AnnoMI's BibTeX entry for the ICASSP 2022 paper lists.
CITATION_CORRECTIONS = {"annomi": lambda text: text.replace("Helaoui, R., ", "Helaoui, R., Reiter, E., ", 1)}


def test_registry_matches_the_shared_manifest(mirror_dir: Path) -> None:
    manifest = json.loads((mirror_dir / "MANIFEST.json").read_text(encoding="utf-8"))
    registry = data._registry()
    assert list(registry) == [entry["dataset"] for entry in manifest]
    for entry in manifest:
        ours = registry[entry["dataset"]]
        for key in ("repository", "commit", "licence"):
            assert ours[key] == entry[key], (entry["dataset"], key)
        assert ours["citation"] == CITATION_CORRECTIONS.get(entry["dataset"], lambda text: text)(entry["citation"])
        assert ours["files"] == entry["files"]
        for key in ("title", "what_it_can_show", "what_it_cannot_show"):
            assert isinstance(ours[key], str) and len(ours[key]) > 20, (entry["dataset"], key)


def test_every_url_is_pinned_to_the_commit() -> None:
    for name, entry in data._registry().items():
        for item in entry["files"]:
            expected = f"https://raw.githubusercontent.com/{entry['repository']}/{entry['commit']}/"
            assert item["raw_url"] == expected + item["path_in_repo"], (name, item["file"])
            assert re.fullmatch(r"[0-9a-f]{64}", item["sha256"])


def test_mirror_files_match_the_registry(mirror_dir: Path) -> None:
    for name, entry in data._registry().items():
        for item in entry["files"]:
            path = mirror_dir / name / item["file"]
            assert path.stat().st_size == item["bytes"], path
            assert sha256_of(path) == item["sha256"], path


def test_dataset_info_and_source_description() -> None:
    assert data.list_datasets() == [
        "annomi",
        "metapsy_depression_psyctr",
        "nhstt",
        "metadat",
        "schramm2017_sessions",
    ]
    info = data.dataset_info("annomi")
    assert info.source_url == f"https://github.com/uccollab/AnnoMI/tree/{info.commit}"
    assert "AnnoMI-simple.csv" in info.files
    with pytest.raises(AttributeError):
        info.title = "changed"  # type: ignore[misc]
    text = data.describe_source("nhstt")
    for part in ("Open Government Licence", "NHS England", "What it can show", "What it cannot show"):
        assert part in text
    with pytest.raises(ValueError, match="unknown data set"):
        data.dataset_info("nope")
    with pytest.raises(ValueError, match="has no file"):
        data.fetch_file("annomi", "nope.csv")


# --------------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------------


def test_mirror_is_used_in_place_without_network(
    monkeypatch: pytest.MonkeyPatch, mirror_dir: Path, tmp_path: Path
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used although the mirror holds every file")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr("pooch.retrieve", no_network)
    cache = tmp_path / "cache"
    monkeypatch.setenv("HELPCOURSE_CACHE_DIR", str(cache))
    paths = data.fetch_all(progress=False)
    assert len(paths) == sum(len(entry["files"]) for entry in data._registry().values())
    for path in paths:
        assert path.is_relative_to(mirror_dir)
    assert not cache.exists(), "nothing is copied into the cache when the mirror is valid"
    assert len(data.load_hasselblad1998()) == 50


def test_errors_are_runtime_errors() -> None:
    assert issubclass(data.DataUnavailableError, RuntimeError)
    assert issubclass(data.DataIntegrityError, RuntimeError)


def test_no_network_and_no_mirror_says_what_to_do(offline: Path) -> None:
    with pytest.raises(data.DataUnavailableError) as caught:
        data.fetch_file(*SMALL, progress=False, base_url=closed_port_url())
    message = str(caught.value)
    for part in ("metadat/dat.hasselblad1998.txt", "failed", "make data", "HELPCOURSE_DATA_DIR"):
        assert part in message
    with pytest.raises(data.DataUnavailableError, match="make data"):
        data.fetch_all(progress=False, base_url=closed_port_url())


def test_download_is_verified_and_cached(offline: Path, served_copy: Path) -> None:
    with serve(served_copy) as url:
        path = data.fetch_file(*SMALL, progress=False, base_url=url)
    assert path == offline / "metadat" / "dat.hasselblad1998.txt"
    assert sha256_of(path) == registry_sha(*SMALL)
    # A second call uses the cache: nothing is listening any more.
    assert data.fetch_file(*SMALL, progress=False, base_url=closed_port_url()) == path


def test_corrupted_cached_file_is_refused_and_fetched_again(offline: Path, served_copy: Path) -> None:
    cached = offline / "metadat" / "dat.hasselblad1998.txt"
    cached.parent.mkdir(parents=True)
    cached.write_text("id study\n1 1\n", encoding="utf-8")
    with (
        serve(served_copy) as url,
        pytest.warns(data.DataIntegrityWarning, match="cached copy of .* is corrupted; downloading it again"),
    ):
        path = data.fetch_file(*SMALL, progress=False, base_url=url)
    assert path == cached
    assert sha256_of(cached) == registry_sha(*SMALL)


def test_download_with_wrong_bytes_raises_integrity_error(offline: Path, served_copy: Path) -> None:
    (served_copy / "metadat" / "dat.hasselblad1998.txt").write_text("tampered\n", encoding="utf-8")
    with serve(served_copy) as url, pytest.raises(data.DataIntegrityError) as caught:
        data.fetch_file(*SMALL, progress=False, base_url=url)
    message = str(caught.value)
    assert "dat.hasselblad1998.txt" in message
    assert registry_sha(*SMALL) in message
    assert hashlib.sha256(b"tampered\n").hexdigest() in message
    assert not (offline / "metadat" / "dat.hasselblad1998.txt").exists()


def test_corrupted_mirror_file_is_refused(
    offline: Path, monkeypatch: pytest.MonkeyPatch, mirror_dir: Path, tmp_path: Path, served_copy: Path
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(mirror_dir / "metadat", mirror / "metadat")
    bad = mirror / "metadat" / "dat.hasselblad1998.txt"
    bad.write_bytes(bad.read_bytes().replace(b"Reid et al.", b"Reed et al."))
    monkeypatch.setenv("HELPCOURSE_DATA_DIR", str(mirror))
    # The other, intact mirror files are still used in place.
    assert data.fetch_file("metadat", "dat.lopez2019.txt", progress=False) == mirror / "metadat" / "dat.lopez2019.txt"

    with (
        pytest.warns(data.DataIntegrityWarning, match="Refusing the mirror copy") as record,
        pytest.raises(data.DataUnavailableError, match="mirror copy .* was refused"),
    ):
        data.fetch_file(*SMALL, progress=False, base_url=closed_port_url())
    warning = str(record[0].message)
    assert registry_sha(*SMALL) in warning and sha256_of(bad) in warning

    with serve(served_copy) as url, pytest.warns(data.DataIntegrityWarning, match="Refusing the mirror copy"):
        path = data.fetch_file(*SMALL, progress=False, base_url=url)
    assert path == offline / "metadat" / "dat.hasselblad1998.txt"
    assert sha256_of(path) == registry_sha(*SMALL)


# --------------------------------------------------------------------------------------------------
# Loaders on the real files
# --------------------------------------------------------------------------------------------------


def test_annomi_utterances_simple() -> None:
    df = data.load_annomi_utterances()
    assert len(df) == 9_699
    assert df["transcript_id"].nunique() == 133
    therapist = df["interlocutor"] == "therapist"
    assert set(df.loc[therapist, "main_therapist_behaviour"]) == {
        "question",
        "reflection",
        "therapist_input",
        "other",
    }
    assert df.loc[~therapist, "main_therapist_behaviour"].isna().all()
    assert df.loc[therapist, "main_therapist_behaviour"].notna().all()
    assert set(df.loc[~therapist, "client_talk_type"]) == {"change", "neutral", "sustain"}
    assert df.loc[therapist, "client_talk_type"].isna().all()
    assert isinstance(df["mi_quality"].dtype, pd.CategoricalDtype)
    assert df["utterance_id"].dtype == "int64"


def test_annomi_utterances_full() -> None:
    df = data.load_annomi_utterances("full")
    assert len(df) == 13_551
    assert df["annotator_id"].between(0, 9).all()
    for part in ("therapist_input", "reflection", "question"):
        exists, subtype = df[f"{part}_exists"], df[f"{part}_subtype"]
        assert exists.dtype == "boolean"
        assert exists[df["interlocutor"] == "client"].isna().all()
        assert subtype[exists.fillna(False)].notna().all()
        assert subtype[~exists.fillna(True)].isna().all()
    assert set(df["question_subtype"].dropna()) == {"open", "closed"}
    with pytest.raises(ValueError, match="kind"):
        data.load_annomi_utterances("other")  # type: ignore[arg-type]


def test_annomi_transcripts() -> None:
    df = data.load_annomi_transcripts()
    assert len(df) == 133
    assert df["transcript_id"].is_unique
    assert df["mi_quality"].value_counts().to_dict() == {"high": 110, "low": 23}
    assert df["n_utterances"].sum() == 9_699
    assert (df["n_therapist"] + df["n_client"] == df["n_utterances"]).all()
    assert list(df.columns) == [
        "transcript_id",
        "mi_quality",
        "topic",
        "video_title",
        "video_url",
        "n_utterances",
        "n_therapist",
        "n_client",
    ]


def test_metapsy_comparisons() -> None:
    df = data.load_metapsy_comparisons()
    assert len(df) == 900
    assert df["study"].nunique() == 480
    assert df["g"].dtype == "float64" and df["g_se"].dtype == "float64"
    assert df["g"].notna().all()
    assert not {".g", ".g_se"} & set(df.columns)
    assert not any(column.startswith("Unnamed") for column in df.columns)
    numeric = [
        "rand_arm1",
        "rand_arm2",
        "attr_arm1",
        "attr_arm2",
        "n_arm1",
        "n_arm2",
        "year",
        "rob",
        "n_sessions_arm1",
        "mean_age",
        "percent_women",
        "time_weeks",
    ]
    for column in numeric:
        assert pd.api.types.is_numeric_dtype(df[column]), column
    text_like = {
        column
        for column in df.columns
        if pd.api.types.is_string_dtype(df[column]) or isinstance(df[column].dtype, pd.CategoricalDtype)
    }
    assert text_like.isdisjoint(numeric)
    # No text column still holds a number written with a decimal comma.
    for column in text_like - {"full_ref", "other_stat", "dich_paper", "study", "format_details"}:
        values = df[column].dropna().astype(str)
        assert not values.str.fullmatch(r"-?\d+,\d+").any(), column
    first = df.iloc[0]
    assert first["study"] == "Aagaard, 2017"
    assert first["g_se"] == pytest.approx(0.231455024943138)
    assert first["mean_arm1"] == pytest.approx(17.5)
    assert df["full_ref"].str.contains("sintomatología", regex=False).any()
    assert set(df["condition_arm2"].cat.categories) == {"cau", "wl", "other ctr"}


def test_lopez2019_matches_its_rd(mirror_dir: Path) -> None:
    df = data.load_lopez2019()
    rd = mirror_dir / "metadat" / "dat.lopez2019.Rd"
    assert list(df.columns) == rd_columns(rd)
    assert len(df) == 172
    assert df["study"].nunique() == rd_study_count(rd) == 76
    assert set(df["treatment"]) == set(data.LOPEZ_TREATMENTS)
    assert df["sessions"].dtype == "Int64" and df["sessions"].isna().any()
    assert df[list(data.LOPEZ_COMPONENTS) + ["group", "tailored"]].isin([0, 1]).all().all()
    assert df.loc[0, "study"] == "Andersson (2005)" and df.loc[0, "treatment"] == "Placebo"


def test_hasselblad1998_matches_its_rd(mirror_dir: Path) -> None:
    df = data.load_hasselblad1998()
    rd = mirror_dir / "metadat" / "dat.hasselblad1998.Rd"
    assert list(df.columns) == rd_columns(rd)
    assert len(df) == 50
    assert df["study"].nunique() == rd_study_count(rd) == 24
    assert list(df["trt"].cat.categories) == ["no_contact", "self_help", "ind_counseling", "grp_counseling"]
    assert (df["xi"] <= df["ni"]).all()
    assert df.loc[0, "authors"] == "Reid et al."


def test_schramm_sessions() -> None:
    df = data.load_schramm_sessions()
    assert df["patient_id"].nunique() == 256
    assert list(df.columns) == ["patient_id", "group", "session", *data.SCHRAMM_SYMPTOMS, "symptom_count"]
    assert not any(column.endswith("_lag") for column in df.columns)
    assert set(df["group"]) == {1, 2}
    assert df["session"].between(0, 27).all()
    symptoms = df[list(data.SCHRAMM_SYMPTOMS)]
    complete = symptoms.notna().all(axis=1)
    assert (~complete).any()
    assert df.loc[~complete, "symptom_count"].isna().all()
    expected = symptoms[complete].astype("int64").sum(axis=1)
    assert (df.loc[complete, "symptom_count"].astype("int64") == expected).all()
    assert df["symptom_count"].dropna().between(0, 9).all()


def test_nhstt_outcomes_are_england_only() -> None:
    df = data.load_nhstt_outcomes()
    assert len(df) > 40_000
    assert set(df["source"]) == {"measures_annual", "proms_annual"}
    assert not {"org_type", "org_code", "org_name"} & set(df.columns)
    assert df["value"].dtype == "Float64"
    assert "ther_recovery" in set(df["measure_name"])


def test_nhstt_key_measures_total() -> None:
    df = data.load_nhstt_key_measures()
    assert list(df["reporting_period"].astype(str)) == [f"{y}-{str(y + 1)[2:]}" for y in range(2017, 2025)]
    assert df["recovery_pct"].between(30, 70).all()
    assert (df["n_finished_treatment"] > 500_000).all()
    recomputed = 100 * df["n_recovered"] / (df["n_finished_treatment"] - df["n_not_at_caseness"])
    assert (recomputed - df["recovery_pct"]).abs().max() < 0.06


def test_nhstt_recovery_by_therapy() -> None:
    df = data.load_nhstt_recovery_by_therapy()
    assert len(df) > 0
    assert set(df["problem"]) == {"Total"}
    main_types = df[df["therapy_type"].isin(["Cognitive Behaviour Therapy (CBT)", "Counselling for Depression"])]
    assert len(main_types) == 2 * 6
    assert main_types["recovery_pct"].between(30, 70).all()
    assert (main_types["n_courses"] > 10_000).all()
    checked = df.dropna(subset=["n_recovered", "recovery_pct"])
    recomputed = 100 * checked["n_recovered"] / (checked["n_courses"] - checked["n_not_at_caseness"])
    assert (recomputed - checked["recovery_pct"]).abs().max() < 0.06
    assert (df["n_total_finishing"] >= df["n_courses"]).all()
    assert df.loc[df["therapy_type"] == "Guided Self Help (Book)", "intensity"].eq("low").all()
    depression = data.load_nhstt_recovery_by_therapy("Depression")
    assert set(depression["problem"]) == {"Depression"}


def test_nhstt_table_is_cached_and_fast_in_a_new_process(session_cache: Path) -> None:
    data.load_nhstt_outcomes()
    cached = data._nhstt_derived_path()
    assert cached.is_file() and cached.is_relative_to(session_cache)
    for name in ("measures_annual.parquet", "proms_annual.parquet"):
        assert registry_sha("nhstt", name)[:16] in cached.name
    script = (
        "import time\n"
        "from helpcourse import data\n"
        "def refuse(*args, **kwargs):\n"
        "    raise AssertionError('the sources were read again')\n"
        "data.fetch_file = refuse\n"
        "start = time.perf_counter()\n"
        "df = data.load_nhstt_outcomes()\n"
        "print(time.perf_counter() - start, len(df))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    seconds, rows = done.stdout.split()
    assert int(rows) > 40_000
    assert float(seconds) < 0.5


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def test_main_fetch_prints_where_files_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert data.main(["fetch", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "annomi/AnnoMI-simple.csv:" in out and "(mirror)" in out
    assert "NHS Talking Therapies England table" in out


def test_main_list_and_info(capsys: pytest.CaptureFixture[str]) -> None:
    assert data.main(["list"]) == 0
    assert "schramm2017_sessions:" in capsys.readouterr().out
    assert data.main(["info", "metadat"]) == 0
    assert "GPL" in capsys.readouterr().out


def test_main_fails_with_the_message(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def fail(progress: bool = True) -> list[Path]:
        raise data.DataUnavailableError("download failed; run `make data` or set HELPCOURSE_DATA_DIR")

    monkeypatch.setattr(data, "fetch_all", fail)
    assert data.main([]) == 1
    assert "make data" in capsys.readouterr().err


def test_annomi_full_flags_are_booleans_for_therapist_turns(mirror_dir):
    full = data.load_annomi_utterances("full")
    therapist = full[full["interlocutor"] == "therapist"]
    assert str(full["reflection_exists"].dtype) == "boolean"
    assert therapist["reflection_exists"].notna().all()
    assert int(therapist["reflection_exists"].sum()) == 2021
    # every coded reflection subtype belongs to a turn flagged as a reflection
    assert therapist.loc[therapist["reflection_subtype"].notna(), "reflection_exists"].all()
