"""Real data sets for the course: download, verify, cache and load them as tidy tables.

The data files are never stored in the course repository. ``datasets.json`` (next to this module)
lists, for each data set, the public repository, the pinned commit, the licence, the citation and,
per file, its ``raw_url`` at that commit, its size and its sha256. :func:`fetch_file` finds a file in
this order:

1. the offline mirror, if the environment variable ``HELPCOURSE_DATA_DIR`` names a folder laid out
   as ``<dataset>/<file>``: a copy whose sha256 matches is used in place (no copy is made); a copy
   whose sha256 does not match is refused with a :class:`DataIntegrityWarning`;
2. the download cache (``HELPCOURSE_CACHE_DIR``, else ``pooch.os_cache("helpcourse")``), laid out
   the same way: a cached copy whose sha256 does not match is reported and downloaded again;
3. a download from the pinned ``raw_url``, checked against its sha256 before it is kept.

Downloads always use the pinned ``raw_url`` of the registry. The only way to fetch from somewhere
else (a local HTTP copy of the mirror, as the tests do) is the explicit ``base_url`` argument of
:func:`fetch_file` and :func:`fetch_all`; no environment variable changes where files come from.

Run ``python -m helpcourse.data`` (what ``make data`` calls) once while online to fetch every file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

__all__ = [
    "DataIntegrityError",
    "DataIntegrityWarning",
    "DataUnavailableError",
    "DatasetInfo",
    "cache_dir",
    "dataset_info",
    "describe_source",
    "fetch_all",
    "fetch_file",
    "list_datasets",
    "load_annomi_transcripts",
    "load_annomi_utterances",
    "load_hasselblad1998",
    "load_lopez2019",
    "load_metapsy_comparisons",
    "load_nhstt_key_measures",
    "load_nhstt_outcomes",
    "load_nhstt_recovery_by_therapy",
    "load_schramm_sessions",
    "main",
    "mirror_dir",
    "pinned_sha256",
]

logger = logging.getLogger(__name__)

CACHE_ENV = "HELPCOURSE_CACHE_DIR"
MIRROR_ENV = "HELPCOURSE_DATA_DIR"


class DataUnavailableError(RuntimeError):
    """A data file could not be found locally and could not be downloaded."""


class DataIntegrityError(RuntimeError):
    """A downloaded data file does not match the sha256 pinned in the registry."""


class DataIntegrityWarning(UserWarning):
    """A local copy of a data file (mirror or cache) did not match its pinned sha256 and was not used."""


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetInfo:
    """Where a data set comes from and what it can and cannot show.

    Attributes
    ----------
    name : str
        Short name used by the loaders (e.g. ``"annomi"``).
    title : str
        One-line title for students.
    repository : str
        Public GitHub repository (``owner/name``) the files come from.
    commit : str
        The pinned commit every file is downloaded from.
    licence : str
        The licence as the source states it.
    citation : str
        The reference to cite when using the data.
    source_url : str
        ``https://github.com/<repository>/tree/<commit>``.
    what_it_can_show : str
        What the data can illustrate.
    what_it_cannot_show : str
        The main limits to keep in mind.
    files : tuple of str
        The file names in the registry for this data set.
    """

    name: str
    title: str
    repository: str
    commit: str
    licence: str
    citation: str
    source_url: str
    what_it_can_show: str
    what_it_cannot_show: str
    files: tuple[str, ...] = ()


@cache
def _registry() -> dict[str, dict[str, Any]]:
    """The parsed ``datasets.json``, keyed by data set name."""
    text = resources.files("helpcourse").joinpath("datasets.json").read_text(encoding="utf-8")
    return {entry["dataset"]: entry for entry in json.loads(text)["datasets"]}


def list_datasets() -> list[str]:
    """Names of the data sets in the registry.

    Returns
    -------
    list of str
        Data set names, in registry order.
    """
    return list(_registry())


def _dataset_entry(dataset: str) -> dict[str, Any]:
    try:
        return _registry()[dataset]
    except KeyError:
        raise ValueError(f"unknown data set {dataset!r}; known data sets: {', '.join(_registry())}") from None


def pinned_sha256(dataset: str, filename: str) -> str:
    """The sha256 the course's registry pins for a data file (every copy used has exactly this content).

    Parameters
    ----------
    dataset, filename
        A data set from :func:`list_datasets` and one of its files.

    Returns
    -------
    str
        The hexadecimal sha256, lower case.
    """
    return str(_file_entry(dataset, filename)["sha256"]).lower()


def _file_entry(dataset: str, filename: str) -> dict[str, Any]:
    entry = _dataset_entry(dataset)
    for item in entry["files"]:
        if item["file"] == filename:
            return item
    names = ", ".join(item["file"] for item in entry["files"])
    raise ValueError(f"data set {dataset!r} has no file {filename!r}; its files: {names}")


def dataset_info(dataset: str) -> DatasetInfo:
    """Provenance and scope of one data set.

    Parameters
    ----------
    dataset : str
        A name from :func:`list_datasets`.

    Returns
    -------
    DatasetInfo
        Title, repository, pinned commit, licence, citation, source URL and what the data can and
        cannot show.
    """
    entry = _dataset_entry(dataset)
    return DatasetInfo(
        name=entry["dataset"],
        title=entry["title"],
        repository=entry["repository"],
        commit=entry["commit"],
        licence=entry["licence"],
        citation=entry["citation"],
        source_url=f"https://github.com/{entry['repository']}/tree/{entry['commit']}",
        what_it_can_show=entry["what_it_can_show"],
        what_it_cannot_show=entry["what_it_cannot_show"],
        files=tuple(item["file"] for item in entry["files"]),
    )


def describe_source(dataset: str) -> str:
    """A short Markdown block describing a data set for students.

    Parameters
    ----------
    dataset : str
        A name from :func:`list_datasets`.

    Returns
    -------
    str
        Title, source (repository at the pinned commit), licence, citation, and what the data can
        and cannot show. Readable as plain text; renders as Markdown in a notebook.
    """
    info = dataset_info(dataset)
    return "\n".join(
        [
            f"**{info.title}**",
            "",
            f"- Source: [{info.repository}]({info.source_url}) at commit `{info.commit[:7]}`",
            f"- Licence: {info.licence}",
            f"- Cite: {info.citation}",
            f"- What it can show: {info.what_it_can_show}",
            f"- What it cannot show: {info.what_it_cannot_show}",
        ]
    )


# --------------------------------------------------------------------------------------------------
# Fetching and verifying files
# --------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """The download cache folder.

    Returns
    -------
    pathlib.Path
        ``$HELPCOURSE_CACHE_DIR`` if set, else the per-user cache ``pooch.os_cache("helpcourse")``.
        Files are cached as ``<cache>/<dataset>/<file>``.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("helpcourse"))


def mirror_dir() -> Path | None:
    """The offline mirror folder, if one is configured.

    Returns
    -------
    pathlib.Path or None
        ``$HELPCOURSE_DATA_DIR`` (laid out as ``<dataset>/<file>``), or None when it is not set.
    """
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser() if env else None


# sha256 of files already checked in this process, keyed by (path, size, modification time), so an
# unchanged file is hashed once per session and a replaced or edited file is hashed again.
_HASH_MEMO: dict[tuple[str, int, int], str] = {}


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    known = _HASH_MEMO.get(key)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    _HASH_MEMO[key] = digest.hexdigest()
    return _HASH_MEMO[key]


def _download_url(dataset: str, item: dict[str, Any], base_url: str | None) -> str:
    if base_url is None:
        return str(item["raw_url"])
    return f"{base_url.rstrip('/')}/{dataset}/{item['file']}"


def fetch_file(dataset: str, filename: str, *, progress: bool = True, base_url: str | None = None) -> Path:
    """Local path of one verified data file, downloading it if needed.

    Parameters
    ----------
    dataset : str
        A name from :func:`list_datasets`.
    filename : str
        A file of that data set, as named in the registry (e.g. ``"AnnoMI-simple.csv"``).
    progress : bool, default True
        Show a progress bar while downloading.
    base_url : str, optional
        Download from ``<base_url>/<dataset>/<filename>`` instead of the pinned ``raw_url`` (for
        tests, or a local HTTP copy of the mirror). The sha256 check is the same.

    Returns
    -------
    pathlib.Path
        The mirror copy (used in place) if ``HELPCOURSE_DATA_DIR`` holds a copy with the right
        sha256, otherwise the verified copy in the download cache.

    Raises
    ------
    DataIntegrityError
        The downloaded file does not match the pinned sha256 (it is not kept).
    DataUnavailableError
        No valid local copy and the download failed (for example, no network).

    Warns
    -----
    DataIntegrityWarning
        A mirror copy or a cached copy does not match the pinned sha256 and is not used.
    """
    item = _file_entry(dataset, filename)
    expected = str(item["sha256"]).lower()
    refused_mirror = ""

    mirror = mirror_dir()
    if mirror is not None:
        candidate = mirror / dataset / filename
        if candidate.is_file():
            actual = _sha256(candidate)
            if actual == expected:
                return candidate
            refused_mirror = f" The mirror copy {candidate} was refused because its sha256 does not match."
            warnings.warn(
                f"Refusing the mirror copy of {dataset}/{filename} at {candidate}: its sha256 is {actual} "
                f"but the registry expects {expected}. Trying the download cache instead.",
                DataIntegrityWarning,
                stacklevel=2,
            )

    folder = cache_dir() / dataset
    cached = folder / filename
    if cached.is_file():
        actual = _sha256(cached)
        if actual == expected:
            return cached
        message = (
            f"cached copy of {dataset}/{filename} is corrupted; downloading it again "
            f"(sha256 {actual}, expected {expected}, file {cached})"
        )
        logger.warning(message)
        warnings.warn(message, DataIntegrityWarning, stacklevel=2)

    url = _download_url(dataset, item, base_url)
    return _download(url, dataset, filename, expected, folder, progress, refused_mirror)


def _download(
    url: str, dataset: str, filename: str, expected: str, folder: Path, progress: bool, refused_mirror: str
) -> Path:
    import pooch

    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{expected}",
            fname=filename,
            path=folder,
            progressbar=progress,
        )
    except ValueError as exc:
        if "hash" not in str(exc).lower():
            raise _unavailable(url, dataset, filename, exc, refused_mirror) from exc
        found = re.search(r"but got ([0-9a-fA-F]{64})", str(exc))
        got = found.group(1) if found else "a different value"
        raise DataIntegrityError(
            f"The download of {dataset}/{filename} from {url} does not match its pinned checksum: "
            f"sha256 {got}, expected {expected}. The file was not kept. The server may have sent an "
            "error page or a changed file; try again later, or use a verified copy through "
            f"{MIRROR_ENV}."
        ) from exc
    except Exception as exc:  # any network or file-system failure during the download
        raise _unavailable(url, dataset, filename, exc, refused_mirror) from exc
    return Path(path)


def _unavailable(
    url: str, dataset: str, filename: str, exc: BaseException, refused_mirror: str
) -> DataUnavailableError:
    return DataUnavailableError(
        f"Could not get the data file {dataset}/{filename}: the download from {url} failed "
        f"({type(exc).__name__}: {exc}).{refused_mirror} Run `make data` once while online to download "
        f"and cache every data file, or set {MIRROR_ENV} to a folder holding copies laid out as "
        f"<dataset>/<file> (here: {dataset}/{filename})."
    )


def _all_files() -> list[tuple[str, str]]:
    return [(name, item["file"]) for name, entry in _registry().items() for item in entry["files"]]


def fetch_all(progress: bool = True, *, base_url: str | None = None) -> list[Path]:
    """Fetch and verify every file in the registry.

    Parameters
    ----------
    progress : bool, default True
        Show a progress bar over the files.
    base_url : str, optional
        As in :func:`fetch_file`.

    Returns
    -------
    list of pathlib.Path
        Local paths, in registry order.

    Raises
    ------
    DataUnavailableError, DataIntegrityError
        As in :func:`fetch_file`, for the first file that fails.
    """
    from tqdm.auto import tqdm

    files = _all_files()
    paths: list[Path] = []
    with tqdm(total=len(files), desc="course data", unit="file", disable=not progress) as bar:
        for dataset, filename in files:
            bar.set_postfix_str(f"{dataset}/{filename}", refresh=True)
            paths.append(fetch_file(dataset, filename, progress=False, base_url=base_url))
            bar.update(1)
    return paths


# --------------------------------------------------------------------------------------------------
# AnnoMI
# --------------------------------------------------------------------------------------------------

THERAPIST_BEHAVIOURS = ("question", "reflection", "therapist_input", "other")
CLIENT_TALK_TYPES = ("change", "neutral", "sustain")


def _category(values: Sequence[str]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(values), ordered=False)


def _check_labels(df: pd.DataFrame, dtypes: dict[str, Any], source: str) -> None:
    """Refuse labels outside a declared category set (casting would silently turn them into NA)."""
    for column, dtype in dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
            unknown = set(df[column].dropna()) - set(dtype.categories)
            if unknown:
                raise ValueError(f"{source} column {column!r} holds unexpected labels: {sorted(unknown)}")


def load_annomi_utterances(kind: Literal["simple", "full"] = "simple") -> pd.DataFrame:
    """AnnoMI utterances: one row per utterance of 133 motivational interviewing demonstrations.

    Parameters
    ----------
    kind : {"simple", "full"}, default "simple"
        ``"simple"`` (9,699 rows, one annotation per utterance) or ``"full"`` (13,551 rows: adds
        the annotator and the utterance-level subtypes; 7 transcripts were annotated by all 10
        annotators, so their utterances appear once per annotator).

    Returns
    -------
    pandas.DataFrame
        Columns (both kinds):

        - ``transcript_id`` (int64): conversation identifier (not an order).
        - ``mi_quality`` (category: high, low): MI quality demonstrated in the conversation.
        - ``video_title``, ``video_url`` (str): the source video.
        - ``topic`` (category): the topic(s) of the conversation (43 values, stray spaces removed).
        - ``utterance_id`` (int64): position of the utterance within its conversation (0, 1, ...).
        - ``interlocutor`` (category: therapist, client).
        - ``timestamp`` (str): time in the video, ``HH:MM:SS`` as in the source (one value,
          ``00:09:025``, is malformed in the source and kept as is).
        - ``utterance_text`` (str).
        - ``main_therapist_behaviour`` (category: question, reflection, therapist_input, other):
          missing (NA) for client utterances.
        - ``client_talk_type`` (category: change, neutral, sustain): missing for therapist
          utterances.

        ``kind="full"`` adds (all missing for client utterances):

        - ``annotator_id`` (int64, 0-9).
        - ``therapist_input_exists``, ``reflection_exists``, ``question_exists`` (boolean).
        - ``therapist_input_subtype`` (category: information, advice, negotiation, options).
        - ``reflection_subtype`` (category: simple, complex).
        - ``question_subtype`` (category: open, closed).

        Subtypes are missing when the corresponding ``*_exists`` is False.
    """
    if kind not in ("simple", "full"):
        raise ValueError(f"kind must be 'simple' or 'full', not {kind!r}")
    path = fetch_file("annomi", f"AnnoMI-{kind}.csv")
    return _read_annomi(kind, path, path.stat().st_mtime_ns).copy()


@cache
def _read_annomi(kind: str, path: Path, modified_ns: int) -> pd.DataFrame:
    """Parse one AnnoMI file (once per Python session and file version; callers get copies)."""
    labelled = [
        "main_therapist_behaviour",
        "client_talk_type",
        "therapist_input_exists",
        "therapist_input_subtype",
        "reflection_exists",
        "reflection_subtype",
        "question_exists",
        "question_subtype",
    ]
    df = pd.read_csv(path, keep_default_na=False, na_values=dict.fromkeys(labelled, ["n/a"]))
    df["topic"] = df["topic"].str.strip()  # the source spells one topic with and without a trailing space
    columns = [
        "transcript_id",
        "mi_quality",
        "video_title",
        "video_url",
        "topic",
        "utterance_id",
        "interlocutor",
        "timestamp",
        "utterance_text",
        "main_therapist_behaviour",
        "client_talk_type",
    ]
    dtypes: dict[str, Any] = {
        "transcript_id": "int64",
        "utterance_id": "int64",
        "mi_quality": _category(["high", "low"]),
        "interlocutor": _category(["therapist", "client"]),
        "topic": "category",
        "video_title": "str",
        "video_url": "str",
        "timestamp": "str",
        "utterance_text": "str",
        "main_therapist_behaviour": _category(THERAPIST_BEHAVIOURS),
        "client_talk_type": _category(CLIENT_TALK_TYPES),
    }
    if kind == "full":
        extra = {
            "annotator_id": "int64",
            "therapist_input_exists": "boolean",
            "therapist_input_subtype": _category(["information", "advice", "negotiation", "options"]),
            "reflection_exists": "boolean",
            "reflection_subtype": _category(["simple", "complex"]),
            "question_exists": "boolean",
            "question_subtype": _category(["open", "closed"]),
        }
        for name in ("therapist_input_exists", "reflection_exists", "question_exists"):
            # pandas may already parse the column as bool; map its text form so both cases give booleans.
            df[name] = df[name].astype("string").str.strip().str.lower().map({"true": True, "false": False})
        columns += list(extra)
        dtypes.update(extra)
    _check_labels(df, dtypes, "AnnoMI")
    return df[columns].astype(dtypes)


def load_annomi_transcripts() -> pd.DataFrame:
    """AnnoMI conversations: one row per transcript (133 rows), from the simple file.

    Returns
    -------
    pandas.DataFrame
        Columns:

        - ``transcript_id`` (int64).
        - ``mi_quality`` (category: high, low): 110 high, 23 low.
        - ``topic`` (category), ``video_title`` (str), ``video_url`` (str).
        - ``n_utterances`` (int64): utterances in the transcript.
        - ``n_therapist`` (int64), ``n_client`` (int64): utterances by each speaker.
    """
    utterances = load_annomi_utterances("simple")
    grouped = utterances.groupby("transcript_id", sort=True, observed=True)
    table = grouped[["mi_quality", "topic", "video_title", "video_url"]].first()
    table["n_utterances"] = grouped.size()
    counts = pd.crosstab(utterances["transcript_id"], utterances["interlocutor"])
    table["n_therapist"] = counts["therapist"]
    table["n_client"] = counts["client"]
    table = table.reset_index()
    return table.astype(
        {
            "mi_quality": utterances["mi_quality"].dtype,
            "topic": utterances["topic"].dtype,
            "n_utterances": "int64",
            "n_therapist": "int64",
            "n_client": "int64",
        }
    )


# --------------------------------------------------------------------------------------------------
# Metapsy
# --------------------------------------------------------------------------------------------------

_METAPSY_RENAME = {
    ".g": "g",
    ".g_se": "g_se",
    ".log_rr": "log_rr",
    ".log_rr_se": "log_rr_se",
    ".event_arm1": "calc_event_arm1",
    ".event_arm2": "calc_event_arm2",
    ".totaln_arm1": "calc_totaln_arm1",
    ".totaln_arm2": "calc_totaln_arm2",
    ".id": "comparison_id",
}
_METAPSY_INT = ["rand_ratio", "year", "sg", "ac", "itt", "rob"]
_METAPSY_CATEGORY = [
    "condition_arm1",
    "condition_arm2",
    "outcome_type",
    "instrument",
    "rating",
    "time",
    "comorbid_mental",
    "format",
    "country",
    "age_group",
    "recruitment",
    "diagnosis",
    "target_group",
    "ba",
]
_METAPSY_STR = [
    "study",
    "multi_arm1",
    "multi_arm2",
    "dich_paper",
    "other_stat",
    "format_details",
    "full_ref",
    "comparison_id",
]


def load_metapsy_comparisons() -> pd.DataFrame:
    """Metapsy database of psychotherapy versus control for adult depression.

    900 effect sizes (one row per comparison and outcome measure) from 599 comparisons.

    The source is ``;``-separated with decimal commas. Its bytes are valid UTF-8 and are decoded as
    such (decoding them as latin-1 garbles accented names, e.g. "sintomatología"); a few author
    names carry encoding damage already present in the source.

    Returns
    -------
    pandas.DataFrame
        One row per comparison (900 rows, 480 studies). Effect sizes are at post-test, positive
        ``g`` favouring the psychotherapy arm (arm 1) over the control arm (arm 2). Columns, with
        meanings from the source's ``variable_description.json``:

        - Study and arms: ``study`` (str, "Author, year"), ``condition_arm1`` (category: cbt, bat
          behavioural activation, pst problem solving, ipt interpersonal, dyn psychodynamic, lrt
          life review, sup supportive counselling, 3rd third-wave, other psy), ``condition_arm2``
          (category: wl waiting list, cau care as usual, other ctr), ``multi_arm1``,
          ``multi_arm2`` (str: arm details in multi-arm trials, else NA).
        - Effect size: ``g``, ``g_se`` (float64; Hedges' g and its standard error, renamed from
          ``.g``, ``.g_se``), ``log_rr``, ``log_rr_se`` (Float64; log risk ratio for dichotomous
          outcomes, from ``.log_rr``, ``.log_rr_se``), ``precalc_g``, ``precalc_g_se``,
          ``precalc_log_rr``, ``precalc_log_rr_se`` (Float64; values reported by the trial).
        - Outcome: ``outcome_type`` (category: msd, change, response/remission variants, ...),
          ``instrument`` (category, e.g. bdi-2, phq-9, hdrs-17), ``rating`` (category:
          self-report, clinician), ``time`` (category: post), ``time_weeks`` (Float64),
          ``dich_paper`` (str, definition of a dichotomous outcome), ``other_stat`` (str).
        - Arm statistics (Float64): ``mean_arm1/2``, ``sd_arm1/2``, ``n_arm1/2`` (analysed),
          ``mean_change_arm1/2``, ``sd_change_arm1/2``, ``n_change_arm1/2``, ``event_arm1/2``,
          ``totaln_arm1/2``, ``baseline_m_arm1/2``, ``baseline_sd_arm1/2``, ``baseline_n_arm1/2``,
          ``calc_event_arm1/2``, ``calc_totaln_arm1/2`` (from ``.event_arm*``, ``.totaln_arm*``).
        - Randomised and lost: ``rand_arm1/2`` (Float64, number randomised per arm),
          ``attr_arm1/2`` (Float64, number lost to follow-up (attrition) per arm), ``rand_ratio``
          (int64). Attrition share per arm is ``attr_arm1 / rand_arm1``; these are the columns to
          use for dropout.
        - Trial: ``year`` (int64), ``format`` (category: ind, grp, gsh guided self-help, tel, cpl
          couple, oth, tsf, mixed), ``format_details`` (str), ``n_sessions_arm1`` (Float64),
          ``country`` (category), ``age_group`` (category), ``mean_age`` (Float64),
          ``percent_women`` (Float64, a proportion 0-1), ``recruitment`` (category: clin, com,
          oth), ``diagnosis`` (category: mdd, mood, cut, sub, chr, modd), ``target_group``
          (category), ``comorbid_mental`` (category: y, n).
        - Risk of bias: ``sg`` sequence generation, ``ac`` allocation concealment, ``itt``
          intention-to-treat (int64; 0 high risk, 1 low risk), ``ba`` blinding of assessors
          (category: 0, 1, 2, sr self-report), ``rob`` overall score (int64, 0 high risk to 4 low
          risk).
        - ``full_ref`` (str), ``comparison_id`` (str, from ``.id``).

        The source's unnamed row-number column is dropped. Missing values are NA.
    """
    path = fetch_file("metapsy_depression_psyctr", "data.csv")
    df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8", keep_default_na=False, na_values=["NA"])
    df = df.drop(columns=df.columns[0]).rename(columns=_METAPSY_RENAME)
    # Every column not listed as an integer, a label or free text is a measurement: nullable float.
    dtypes: dict[str, Any] = dict.fromkeys(df.columns, "Float64")
    dtypes.update(dict.fromkeys(_METAPSY_INT, "int64"))
    dtypes.update(dict.fromkeys(_METAPSY_CATEGORY, "category"))
    dtypes.update(dict.fromkeys(_METAPSY_STR, "str"))
    dtypes.update({"g": "float64", "g_se": "float64"})
    df = df.astype(dtypes)
    if len(df) != 900:
        raise ValueError(f"expected 900 rows (effect sizes) in the Metapsy file, found {len(df)}")
    return df


# --------------------------------------------------------------------------------------------------
# metadat: Lopez-Lopez 2019 and Hasselblad 1998
# --------------------------------------------------------------------------------------------------

LOPEZ_TREATMENTS = ("TAU", "No treatment", "Wait list", "Placebo", "F2F CBT", "Multimedia CBT", "Hybrid CBT")
LOPEZ_COMPONENTS = (
    "multi",
    "cog",
    "ba",
    "psed",
    "home",
    "prob",
    "soc",
    "relax",
    "goal",
    "final",
    "mind",
    "act",
)


def load_lopez2019() -> pd.DataFrame:
    """CBT for depression in adults: 172 arms of 76 trials (López-López et al., 2019).

    Returns
    -------
    pandas.DataFrame
        One row per trial arm. Columns (meanings from ``dat.lopez2019.Rd``):

        - ``study`` (str): first author and year.
        - ``treatment`` (category): TAU, No treatment, Wait list, Placebo (psychological or
          attention placebo), F2F CBT (face to face), Multimedia CBT (self-help books, audio/video,
          telephone, computer, apps, e-mail or text messages), Hybrid CBT (multimedia with one or
          more face-to-face sessions).
        - ``scale`` (category): depression scale (BDI, HAM-17, CES-D, PHQ-9, ...).
        - ``n`` (int64): group size.
        - ``diff`` (float64): standardised mean change within the arm; negative means symptoms
          decreased.
        - ``se`` (float64): its standard error.
        - ``group`` (int64): 0 individual, 1 group therapy.
        - ``tailored`` (int64): intervention tailored to each patient (0 no, 1 yes).
        - ``sessions`` (Int64): number of sessions; ``length`` (Float64): average session length
          in minutes; ``intensity`` (Float64): sessions times length. Missing for control arms and
          when not reported.
        - Components included (int64, 0 no / 1 yes): ``multi`` multimedia elements, ``cog``
          cognitive techniques, ``ba`` behavioural activation, ``psed`` psychoeducation, ``home``
          homework, ``prob`` problem solving, ``soc`` social skills training, ``relax``
          relaxation, ``goal`` goal setting, ``final`` a final session, ``mind`` mindfulness,
          ``act`` acceptance and commitment therapy.
    """
    path = fetch_file("metadat", "dat.lopez2019.txt")
    # The header has one name fewer than the rows: the first field of each row is a row name.
    df = pd.read_csv(path, sep="\t").reset_index(drop=True)
    dtypes: dict[str, Any] = {
        "study": "str",
        "treatment": _category(LOPEZ_TREATMENTS),
        "scale": "category",
        "n": "int64",
        "diff": "float64",
        "se": "float64",
        "group": "int64",
        "tailored": "int64",
        "sessions": "Int64",
        "length": "Float64",
        "intensity": "Float64",
    }
    dtypes.update(dict.fromkeys(LOPEZ_COMPONENTS, "int64"))
    _check_labels(df, dtypes, "dat.lopez2019")
    return df[list(dtypes)].astype(dtypes)


HASSELBLAD_TREATMENTS = ("no_contact", "self_help", "ind_counseling", "grp_counseling")


def load_hasselblad1998() -> pd.DataFrame:
    """Counselling for smoking cessation: 50 arms of 24 trials (Hasselblad, 1998).

    Returns
    -------
    pandas.DataFrame
        One row per trial arm. Columns (meanings from ``dat.hasselblad1998.Rd``):

        - ``id`` (int64): arm number.
        - ``study`` (int64): study number (1-24).
        - ``authors`` (str): study author(s).
        - ``year`` (int64): publication year.
        - ``trt`` (category): intervention: ``no_contact``, ``self_help``, ``ind_counseling``
          (individual counselling), ``grp_counseling`` (group counselling).
        - ``xi`` (int64): number of people abstinent (from 6 to 12 months).
        - ``ni`` (int64): number of people in the arm.

        Most studies compare two interventions; two compare three.
    """
    path = fetch_file("metadat", "dat.hasselblad1998.txt")
    df = pd.read_csv(path, sep=r"\s+", quotechar='"')
    dtypes: dict[str, Any] = {
        "id": "int64",
        "study": "int64",
        "authors": "str",
        "year": "int64",
        "trt": _category(HASSELBLAD_TREATMENTS),
        "xi": "int64",
        "ni": "int64",
    }
    _check_labels(df, dtypes, "dat.hasselblad1998")
    return df[list(dtypes)].astype(dtypes)


# --------------------------------------------------------------------------------------------------
# Schramm et al. 2017 session data
# --------------------------------------------------------------------------------------------------

SCHRAMM_SYMPTOMS = (
    "mood",
    "concentration",
    "self_worth",
    "suicidal_ideation",
    "tiredness",
    "sleep",
    "pleasure",
    "psychomotor",
    "appetite",
)


def load_schramm_sessions() -> pd.DataFrame:
    """Session-by-session depression symptoms of 256 patients (Schramm et al., 2017 trial).

    Returns
    -------
    pandas.DataFrame
        One row per patient and session (5,517 rows). Columns:

        - ``patient_id`` (int64): 256 patients.
        - ``group`` (int64, 1 or 2): trial arm code. The trial compared CBASP with supportive
          psychotherapy, but which code is which is not documented in this copy; do not label
          them.
        - ``session`` (int64): session number, 0 to 27.
        - ``mood``, ``concentration``, ``self_worth``, ``suicidal_ideation``, ``tiredness``,
          ``sleep``, ``pleasure``, ``psychomotor``, ``appetite`` (Int64): symptom present (1) or
          absent (0) at that session; NA when not recorded.
        - ``symptom_count`` (Int64): number of the nine symptoms present (0-9); NA if any of the
          nine is missing.

        The source's ``*_lag`` columns (the previous session's values) are dropped; recompute them
        with ``groupby("patient_id").shift()`` if needed.
    """
    path = fetch_file("schramm2017_sessions", "data.csv")
    raw = pd.read_csv(path, sep=";")
    df = pd.DataFrame(
        {
            "patient_id": raw["PatID.x"].astype("int64"),
            "group": raw["Group.x"].astype("int64"),
            "session": raw["sessionN"].astype("int64"),
        }
    )
    for symptom in SCHRAMM_SYMPTOMS:
        df[symptom] = raw[symptom].astype("Int64")
    values = df[list(SCHRAMM_SYMPTOMS)]
    if not values.isin([0, 1]).where(values.notna(), True).all().all():
        raise ValueError("Schramm symptom columns should hold only 0, 1 or missing values")
    df["symptom_count"] = values.sum(axis=1, skipna=False).astype("Int64")
    return df.sort_values(["patient_id", "session"], ignore_index=True)


# --------------------------------------------------------------------------------------------------
# NHS Talking Therapies (England)
# --------------------------------------------------------------------------------------------------

# Bump when the derived table changes shape, so cached copies from an older version are rebuilt.
_NHSTT_DERIVED_VERSION = 1
_NHSTT_SOURCES = ("measures_annual.parquet", "proms_annual.parquet")

# Therapy types as classified in the source metadata (metadata_variables_annual, 2024-25).
NHSTT_LOW_INTENSITY = (
    "Guided Self Help (Book)",
    "Non-guided Self Help (Book)",
    "Guided Self Help (Computer)",
    "Non-Guided Self Help (Computer)",
    "Structured Physical Activity",
    "Psychoeducational peer support",
    "Behavioural Activation (Low Intensity)",
)
NHSTT_HIGH_INTENSITY = (
    "Applied relaxation",
    "Behavioural Activation (High Intensity)",
    "Brief psychodynamic psychotherapy",
    "Cognitive Behaviour Therapy (CBT)",
    "Collaborative care",
    "Counselling for Depression",
    "Couples Therapy for Depression",
    "Eye Movement Desensitisation Reprocessing",
    "Interpersonal Psycho therapy (IPT)",
    "Mindfulness",
)


def _nhstt_derived_path() -> Path:
    registry = {item["file"]: item["sha256"] for item in _dataset_entry("nhstt")["files"]}
    key = "_".join(registry[name][:16] for name in _NHSTT_SOURCES)
    return cache_dir() / "nhstt" / "derived" / f"england_v{_NHSTT_DERIVED_VERSION}_{key}.parquet"


def _read_england(path: Path, with_time: bool) -> pd.DataFrame:
    import pyarrow.parquet as pq

    columns = [
        "reporting_period",
        "start_date",
        "end_date",
        "variable_type",
        "variable_a",
        "variable_b",
        "measure_name",
        "measure_statistic",
    ]
    columns += ["measure_time", "value"] if with_time else ["value"]
    table = pq.read_table(path, columns=columns, filters=[("org_type", "==", "England")])
    df = table.to_pandas()
    if not with_time:
        df.insert(len(columns) - 1, "measure_time", pd.NA)
    return df


def _build_nhstt_england() -> pd.DataFrame:
    measures = _read_england(fetch_file("nhstt", "measures_annual.parquet"), with_time=False)
    proms = _read_england(fetch_file("nhstt", "proms_annual.parquet"), with_time=True)
    # Key measures store values as text, with "NULL" for values the source left empty.
    measures["value"] = measures["value"].mask(measures["value"] == "NULL").astype("Float64")
    proms["value"] = proms["value"].astype("Float64")
    measures.insert(0, "source", "measures_annual")
    proms.insert(0, "source", "proms_annual")
    df = pd.concat([measures, proms], ignore_index=True)
    for column in ("variable_a", "variable_b"):
        df[column] = df[column].mask(df[column] == "NULL")
    periods = sorted(df["reporting_period"].unique())
    df["reporting_period"] = df["reporting_period"].astype(pd.CategoricalDtype(periods, ordered=True))
    for column in ("start_date", "end_date"):
        df[column] = pd.to_datetime(df[column])
    for column in (
        "source",
        "variable_type",
        "variable_a",
        "variable_b",
        "measure_name",
        "measure_statistic",
        "measure_time",
    ):
        df[column] = df[column].astype("category")
    return df


def load_nhstt_outcomes() -> pd.DataFrame:
    """NHS Talking Therapies national (England) annual outcomes, long format.

    The two source files hold every organisation level (England, region, ICB, provider, ...); the
    outcomes file alone has 9.3 million rows. Only the England rows are read (a filtered read),
    once; the small table is then cached as parquet in the download cache, keyed by the sources'
    sha256, and later calls (also in new sessions) load the cached table in a fraction of a second.

    Returns
    -------
    pandas.DataFrame
        About 50,000 rows. Columns:

        - ``source`` (category): ``measures_annual`` (key measures, 2017-18 to 2024-25) or
          ``proms_annual`` (outcomes by therapy type, 2019-20 to 2024-25).
        - ``reporting_period`` (ordered category, e.g. ``"2024-25"``), ``start_date``,
          ``end_date`` (datetime): the NHS financial year (April to March).
        - ``variable_type`` (category): the breakdown, e.g. ``Total``, ``Problem Descriptor``,
          ``Stepped Care Pathway``, ``Waiting Time``, ``Indices of Deprivation Decile`` (key
          measures) or ``PROMs`` (outcomes by therapy type).
        - ``variable_a`` (category): breakdown value; for ``PROMs`` rows the presenting problem
          (``Total``, ``Depression``, ``Anxiety (Total)``, ...). NA where not applicable.
        - ``variable_b`` (category): sub-breakdown; for ``PROMs`` rows the therapy type. NA where
          not applicable.
        - ``measure_name`` (category). Key measures: ``referrals_received``,
          ``finished_course_treatment``, ``at_caseness``, ``not_at_caseness``, ``recovery``,
          ``reliable_recovery``, ``improvement``, ``no_reliable_change``, ``deterioration``.
          Outcomes by therapy type: ``courses_of_therapy``, ``total_finishing_course_treatment``,
          ``not_caseness``, ``ther_recovery``, ``ther_rel_recovery``, ``ther_improvement``,
          ``ther_no_change``, ``ther_deterioration``, ``phq`` (PHQ-9), ``gad`` (GAD-7), ``wsas``.
        - ``measure_statistic`` (category): ``count``, ``percentage``, ``mean``, ``sd``,
          ``effect_size``.
        - ``measure_time`` (category): ``start`` or ``end`` for questionnaire means and SDs, else
          NA.
        - ``value`` (Float64): NA where the source has no value (small numbers are suppressed).

        The files hold no reasons for ending treatment or counts of people who left early; see
        :func:`load_nhstt_key_measures` for referrals and finished courses by year.
    """
    target = _nhstt_derived_path()
    if target.is_file():
        try:
            return pd.read_parquet(target)
        except Exception as exc:  # an unreadable cached table is rebuilt from the sources
            logger.warning("rebuilding the cached NHS Talking Therapies table %s (%s)", target, exc)
    logger.info("Preparing the NHS Talking Therapies England table (first use only; a few seconds)")
    df = _build_nhstt_england()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        df.to_parquet(partial, index=False)
        os.replace(partial, target)
    except OSError as exc:
        logger.warning("could not cache the NHS Talking Therapies table at %s (%s)", target, exc)
    return df


def _widen(long: pd.DataFrame, keys: list[str], names: dict[tuple[str, ...], str]) -> pd.DataFrame:
    """Turn selected measures of the long table into columns, one row per combination of keys."""
    index = pd.MultiIndex.from_frame(
        long[["measure_name", "measure_statistic", "measure_time"]].astype(object).fillna("")
    )
    labels = pd.Series([names.get(tuple(v for v in key if v), "") for key in index], index=long.index)
    chosen = long.assign(column=labels)[labels != ""]
    wide = chosen.groupby(keys + ["column"], observed=True, dropna=False, sort=True)["value"].first()
    wide = wide.unstack("column").reset_index()
    wide.columns.name = None
    for column in names.values():
        if column not in wide:
            wide[column] = pd.array([pd.NA] * len(wide), dtype="Float64")
    return wide


def _counts_to_int(df: pd.DataFrame) -> pd.DataFrame:
    for column in df.columns:
        if column.startswith("n_"):
            df[column] = df[column].round().astype("Int64")
    return df


def _drop_unused_categories(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    for column in columns:
        df[column] = df[column].astype("category").cat.remove_unused_categories()
    return df


_KEY_MEASURE_COLUMNS = {
    ("referrals_received", "count"): "n_referrals_received",
    ("finished_course_treatment", "count"): "n_finished_treatment",
    ("at_caseness", "count"): "n_at_caseness",
    ("not_at_caseness", "count"): "n_not_at_caseness",
    ("recovery", "count"): "n_recovered",
    ("recovery", "percentage"): "recovery_pct",
    ("reliable_recovery", "count"): "n_reliable_recovery",
    ("reliable_recovery", "percentage"): "reliable_recovery_pct",
    ("improvement", "count"): "n_reliable_improvement",
    ("improvement", "percentage"): "reliable_improvement_pct",
    ("no_reliable_change", "count"): "n_no_reliable_change",
    ("no_reliable_change", "percentage"): "no_reliable_change_pct",
    ("deterioration", "count"): "n_reliable_deterioration",
    ("deterioration", "percentage"): "reliable_deterioration_pct",
}


def load_nhstt_key_measures(variable_type: str = "Total") -> pd.DataFrame:
    """NHS Talking Therapies key measures for England, one row per year and breakdown value.

    Parameters
    ----------
    variable_type : str, default "Total"
        The breakdown: ``"Total"`` (all referrals), or e.g. ``"Problem Descriptor"``,
        ``"Indices of Deprivation Decile"``, ``"Age Group"``, ``"Gender"``, ``"Ethnic Group"``,
        ``"Stepped Care Pathway"``, ``"Waiting Time"``.

    Returns
    -------
    pandas.DataFrame
        Columns:

        - ``reporting_period`` (ordered category, 2017-18 to 2024-25), ``variable_type``,
          ``variable_a``, ``variable_b`` (category; NA where not applicable). Labels are as
          published, and some were renamed between years.
        - ``n_referrals_received`` (Int64): referrals received in the year.
        - ``n_finished_treatment`` (Int64): referrals that ended in the year after at least two
          attended treatment appointments ("finished a course of treatment"). Both counts are
          for the same year but different people, so their ratio is not a completion rate.
        - ``n_at_caseness``, ``n_not_at_caseness`` (Int64): of those finishing, above or below the
          clinical cut-off at the start.
        - ``n_recovered``, ``recovery_pct``: moved from caseness to below it;
          percentage of (finished − not at caseness).
        - ``n_reliable_recovery``, ``reliable_recovery_pct``: recovered and reliably improved;
          same denominator.
        - ``n_reliable_improvement``, ``reliable_improvement_pct``,
          ``n_no_reliable_change``, ``no_reliable_change_pct``, ``n_reliable_deterioration``,
          ``reliable_deterioration_pct``: percentages of all who finished.

        Percentages (Float64) are as published, rounded to one decimal. Values the source leaves
        empty are NA: the ``Stepped Care Pathway`` and ``Waiting Time`` breakdowns carry only
        ``n_finished_treatment``, and ``Consultation Medium`` rows are empty. Outcomes are
        available for ``Total``, ``Problem Descriptor``, ``Presenting Complaint``, ``Age Group``,
        ``Gender``, ``Ethnic Group``, ``Indices of Deprivation Decile`` and others.
    """
    long = load_nhstt_outcomes()
    long = long[(long["source"] == "measures_annual") & (long["variable_type"] == variable_type)]
    if long.empty:
        raise ValueError(f"no key measures for variable_type {variable_type!r}")
    keys = ["reporting_period", "variable_type", "variable_a", "variable_b"]
    wide = _widen(long, keys, _KEY_MEASURE_COLUMNS)
    wide = wide[keys + list(_KEY_MEASURE_COLUMNS.values())]
    _drop_unused_categories(wide, ["variable_type", "variable_a", "variable_b"])
    return _counts_to_int(wide)


_THERAPY_COLUMNS = {
    ("courses_of_therapy", "count"): "n_courses",
    ("total_finishing_course_treatment", "count"): "n_total_finishing",
    ("not_caseness", "count"): "n_not_at_caseness",
    ("ther_recovery", "count"): "n_recovered",
    ("ther_recovery", "percentage"): "recovery_pct",
    ("ther_rel_recovery", "count"): "n_reliable_recovery",
    ("ther_rel_recovery", "percentage"): "reliable_recovery_pct",
    ("ther_improvement", "count"): "n_reliable_improvement",
    ("ther_improvement", "percentage"): "reliable_improvement_pct",
    ("ther_no_change", "count"): "n_no_reliable_change",
    ("ther_no_change", "percentage"): "no_reliable_change_pct",
    ("ther_deterioration", "count"): "n_reliable_deterioration",
    ("ther_deterioration", "percentage"): "reliable_deterioration_pct",
    ("phq", "mean", "start"): "phq9_mean_start",
    ("phq", "mean", "end"): "phq9_mean_end",
    ("phq", "effect_size"): "phq9_effect_size",
    ("gad", "mean", "start"): "gad7_mean_start",
    ("gad", "mean", "end"): "gad7_mean_end",
    ("gad", "effect_size"): "gad7_effect_size",
}


def load_nhstt_recovery_by_therapy(problem: str | None = "Total") -> pd.DataFrame:
    """NHS Talking Therapies outcomes in England by therapy type and year (2019-20 to 2024-25).

    Parameters
    ----------
    problem : str or None, default "Total"
        Presenting problem (the source's ``variable_a``): ``"Total"`` (all problems),
        ``"Depression"``, ``"Anxiety (Total)"``, ``"Generalised Anxiety Disorder"``, ... ; None
        keeps every problem.

    Returns
    -------
    pandas.DataFrame
        One row per year, problem and therapy type. What the numbers are: a *course of therapy*
        is counted when a referral finished a course of treatment in the year and had at least
        two attended treatment appointments recording that therapy type; one referral can count
        under several therapy types (e.g. guided self-help, then CBT), so rows do not add up to
        people. Columns:

        - ``reporting_period`` (ordered category), ``problem`` (category), ``therapy_type``
          (category), ``intensity`` (category: low, high; NA for a type the source does not
          classify, as classified in the source metadata).
        - ``n_courses`` (Int64): courses of this therapy (the denominator below).
        - ``n_total_finishing`` (Int64): the source's ``total_finishing_course_treatment`` for
          the same therapy type, always at least ``n_courses``; the shipped metadata does not
          define it further, so use ``n_courses`` as the number treated.
        - ``n_not_at_caseness`` (Int64): courses that started below the clinical cut-off.
        - ``n_recovered`` and ``recovery_pct``: moved from caseness to below it;
          ``recovery_pct = 100 * n_recovered / (n_courses - n_not_at_caseness)``.
        - ``n_reliable_recovery`` and ``reliable_recovery_pct``: recovered and reliably improved,
          same denominator.
        - ``n_reliable_improvement``/``reliable_improvement_pct``,
          ``n_no_reliable_change``/``no_reliable_change_pct``,
          ``n_reliable_deterioration``/``reliable_deterioration_pct``: percentages of
          ``n_courses``.
        - ``phq9_mean_start``, ``phq9_mean_end``, ``phq9_effect_size``, ``gad7_mean_start``,
          ``gad7_mean_end``, ``gad7_effect_size`` (Float64): questionnaire means at the first and
          last appointment and the pre-post effect size as published.

        Percentages are as published (one decimal); they match the counts above to within
        rounding. Counts and percentages are NA where the source suppresses small numbers. These
        are observational figures: people are not randomised to therapy types.
    """
    long = load_nhstt_outcomes()
    long = long[long["source"] == "proms_annual"]
    if problem is not None:
        long = long[long["variable_a"] == problem]
        if long.empty:
            raise ValueError(f"no outcomes for problem {problem!r}")
    long = long.rename(columns={"variable_a": "problem", "variable_b": "therapy_type"})
    keys = ["reporting_period", "problem", "therapy_type"]
    wide = _widen(long, keys, _THERAPY_COLUMNS)
    intensity = dict.fromkeys(NHSTT_LOW_INTENSITY, "low") | dict.fromkeys(NHSTT_HIGH_INTENSITY, "high")
    wide.insert(3, "intensity", wide["therapy_type"].astype(str).map(intensity))
    wide["intensity"] = wide["intensity"].astype(_category(["low", "high"]))
    _drop_unused_categories(wide, ["problem", "therapy_type"])
    wide = wide[keys + ["intensity"] + list(_THERAPY_COLUMNS.values())]
    return _counts_to_int(wide)


# --------------------------------------------------------------------------------------------------
# Command line: python -m helpcourse.data
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point: ``python -m helpcourse.data [fetch|list|info DATASET]``.

    ``fetch`` (the default, what ``make data`` runs) downloads and verifies every file, prints where
    each one is, and prepares the cached NHS Talking Therapies table. ``list`` prints the data sets;
    ``info DATASET`` prints :func:`describe_source`.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 if a file could not be fetched or verified (the reason is printed).
    """
    parser = argparse.ArgumentParser(prog="python -m helpcourse.data", description="Course data sets.")
    commands = parser.add_subparsers(dest="command")
    fetch = commands.add_parser("fetch", help="download and verify every data file (default)")
    fetch.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    commands.add_parser("list", help="list the data sets")
    info = commands.add_parser("info", help="describe one data set")
    info.add_argument("dataset", choices=list_datasets())
    args = parser.parse_args(argv)

    if args.command == "list":
        for name in list_datasets():
            print(f"{name}: {dataset_info(name).title}")
        return 0
    if args.command == "info":
        print(describe_source(args.dataset))
        return 0

    try:
        paths = fetch_all(progress=not getattr(args, "no_progress", False))
        derived = _nhstt_derived_path()
        load_nhstt_outcomes()
    except (DataUnavailableError, DataIntegrityError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    mirror = mirror_dir()
    for (dataset, filename), path in zip(_all_files(), paths, strict=True):
        where = "mirror" if mirror is not None and path.is_relative_to(mirror) else "cache"
        print(f"{dataset}/{filename}: {path} ({where})")
    print(f"NHS Talking Therapies England table: {derived}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
