"""The course's evidence table: every research figure the notebooks quote, with its source.

The table (``evidence.csv``, shipped with the package) holds one row per verified finding from the course's
evidence review. Each row has a stable ``key`` such as ``alliance_r_2018``; notebooks look figures up by key
instead of typing numbers, so every figure a student sees is the one that was checked against its source.

Examples
--------
>>> from helpcourse import evidence
>>> evidence.value("alliance_r_2018")
0.278
>>> evidence.statement("alliance_r_2018")
'r = .278 (95% CI .256 to .299; 295 independent studies, >30,000 patients; Flückiger et al., 2018)'
>>> evidence.cite("alliance_r_2018")
'Flückiger et al., 2018'
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from functools import cache
from importlib import resources

import pandas as pd

__all__ = [
    "COLUMNS",
    "EvidenceRow",
    "cite",
    "is_verified",
    "keys",
    "metric_name",
    "reference",
    "references",
    "row",
    "statement",
    "table",
    "value",
]

COLUMNS: tuple[str, ...] = (
    "key",
    "finding",
    "metric",
    "value",
    "value_text",
    "ci_low",
    "ci_high",
    "k",
    "n",
    "citation",
    "short_cite",
    "doi",
    "source_page",
    "status",
    "caveat",
)
"""Column order of ``evidence.csv`` and of :func:`table`."""

# Effect-size metrics that :func:`statement` writes as "symbol = number".
_SYMBOLS: dict[str, str] = {"r": "r", "d": "d", "Hedges g": "g", "odds ratio": "OR"}
# Every other metric of the table, as :func:`statement` names it before the figure ("upper bound of ...: ~0.20").
# A test fails when a row's metric is missing here, so no figure reaches a student without its metric.
_METRIC_NAMES: dict[str, str] = {
    "r": "correlation r",
    "d": "standardised difference d",
    "Hedges g": "standardised difference Hedges' g",
    "odds ratio": "odds ratio (OR)",
    "d ; OR": "standardised difference d and dropout odds ratio",
    "ES (d)": "standardised difference d",
    "d range": "range of standardised differences d",
    "r range": "range of correlations r",
    "g ; success-rate difference": "Hedges' g and success-rate difference (SRD)",
    "upper bound of true ES": "upper bound of the true difference (d) between bona fide therapies",
    "k studies": "number of studies",
    "% outcome variance (r^2)": "share of outcome variance (r squared)",
    "% variance": "share of outcome variance",
    "qualitative + % variance": "narrative review with a share of outcome variance",
    "qualitative": "qualitative finding (no single effect size)",
    "count": "number of relationship elements per verdict",
    "verdict": "task-force verdicts",
    "% reduction": "reduction in drinking",
    "range of poor outcomes by counselor": "range of poor outcomes by counsellor",
    "percentile": "percentile of the untreated group",
    "% of studies": "share of studies",
    "% improved": "share of patients improved",
    "sessions / %": "sessions needed and share of patients improved",
    "structure": "model structure (no effect size)",
    "categories": "skill categories by stage",
    "threshold": "MITI 4 benchmark",
    "summary score": "MITI 4 summary score",
    "reliability": "inter-rater reliability",
}
# Statistics bounded by 1 are written without a leading zero in APA style (r = .28, but d = 0.28).
_NO_LEADING_ZERO: frozenset[str] = frozenset({"r"})
_PLAIN_COUNT = re.compile(r"[\d,]+")
# Sample descriptions are copied from the evidence review as printed; students read them in person-first words.
_PERSON_FIRST: dict[str, str] = {"problem drinkers": "people with drinking problems"}
_NUMBER = re.compile(r"-?\d*\.?\d+")


@dataclass(frozen=True)
class EvidenceRow:
    """One verified research finding.

    Attributes
    ----------
    key : str
        Stable identifier in ``topic_metric_year`` style, e.g. ``"alliance_r_2018"``.
    finding : str
        What was measured, worded as in the course's evidence review.
    metric : str
        The statistic or unit, e.g. ``"r"``, ``"Hedges g"``, ``"odds ratio"``, ``"% variance"``.
    value : float or None
        The figure as a single number in its printed unit (``~5%`` is ``5.0``), or ``None`` when the
        source gives no single number (ranges, several numbers, qualitative findings).
    value_text : str
        The figure exactly as the source gives it, with any qualifier (``"0.09 (ns)"``).
    ci_low, ci_high : float or None
        Bounds of the 95% confidence interval, when the source gives them.
    k : str
        Number of studies or samples, as printed (may be empty).
    n : str
        Number of participants, as printed (may be empty).
    citation : str
        Full APA reference, without the DOI.
    short_cite : str
        APA in-text citation without parentheses, e.g. ``"Flückiger et al., 2018"``.
    doi : str
        DOI without the ``https://doi.org/`` prefix, or an empty string.
    source_page : str
        The public page(s) where the figure was read.
    status : str
        ``verified``, ``verified-secondary`` (read in a paper citing the source),
        ``verified|differs-from-recall`` (differs from how the figure is often quoted) or ``partial``
        (citation or direction checked, numbers not: may be mentioned as an open question, never graded).
    caveat : str
        One sentence on what the figure cannot show.
    """

    key: str
    finding: str
    metric: str
    value: float | None
    value_text: str
    ci_low: float | None
    ci_high: float | None
    k: str
    n: str
    citation: str
    short_cite: str
    doi: str
    source_page: str
    status: str
    caveat: str


def _to_float(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


@cache
def _raw_rows() -> tuple[dict[str, str], ...]:
    """The CSV rows as text, exactly as stored (keeps printed decimals such as ``0.30``)."""
    source = resources.files("helpcourse").joinpath("evidence.csv")
    with source.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"evidence.csv columns are {reader.fieldnames}, expected {list(COLUMNS)}")
        return tuple(dict(line) for line in reader)


@cache
def _by_key() -> dict[str, tuple[EvidenceRow, dict[str, str]]]:
    """Rows indexed by key, each paired with its raw text."""
    index: dict[str, tuple[EvidenceRow, dict[str, str]]] = {}
    for raw in _raw_rows():
        parsed = EvidenceRow(
            **{
                name: _to_float(raw[name]) if name in ("value", "ci_low", "ci_high") else raw[name]
                for name in COLUMNS
            }
        )
        if parsed.key in index:
            raise ValueError(f"duplicate key in evidence.csv: {parsed.key!r}")
        index[parsed.key] = (parsed, raw)
    return index


@cache
def _frame() -> pd.DataFrame:
    frame = pd.DataFrame([asdict(item) for item, _ in _by_key().values()], columns=list(COLUMNS))
    for name in ("value", "ci_low", "ci_high"):
        frame[name] = frame[name].astype("float64")
    return frame


def _lookup(key: str) -> tuple[EvidenceRow, dict[str, str]]:
    index = _by_key()
    try:
        return index[key]
    except KeyError:
        close = difflib.get_close_matches(str(key), list(index), n=5, cutoff=0.6)
        hint = f" Did you mean: {', '.join(close)}?" if close else " See evidence.keys() for all keys."
        raise KeyError(f"Unknown evidence key {key!r}.{hint}") from None


def keys() -> list[str]:
    """All keys, in table order.

    Returns
    -------
    list of str
        Every key in ``evidence.csv``.
    """
    return list(_by_key())


def row(key: str) -> EvidenceRow:
    """Look up one finding.

    Parameters
    ----------
    key : str
        A key such as ``"alliance_r_2018"``.

    Returns
    -------
    EvidenceRow
        The finding with its figure, source and caveat.

    Raises
    ------
    KeyError
        If the key is unknown; the message suggests close matches.
    """
    return _lookup(key)[0]


def value(key: str) -> float:
    """The figure as a single number.

    Parameters
    ----------
    key : str
        A key such as ``"alliance_r_2018"``.

    Returns
    -------
    float
        The value in the unit named by the row's ``metric``.

    Raises
    ------
    KeyError
        If the key is unknown.
    ValueError
        If the source gives no single number for this finding (a range, several numbers or a
        qualitative result); use :func:`statement` or ``row(key).value_text`` instead.
    """
    item = row(key)
    if item.value is None:
        raise ValueError(
            f"Evidence {key!r} has no single numeric value; the source gives: {item.value_text!r}. "
            "Use statement(key) or row(key).value_text instead."
        )
    return item.value


def cite(key: str) -> str:
    """The APA in-text citation, without parentheses.

    Parameters
    ----------
    key : str
        A key such as ``"alliance_r_2018"``.

    Returns
    -------
    str
        For example ``"Flückiger et al., 2018"``.
    """
    return row(key).short_cite


def reference(key: str) -> str:
    """The full APA reference, followed by the DOI link when there is one.

    Parameters
    ----------
    key : str
        A key such as ``"alliance_r_2018"``.

    Returns
    -------
    str
        The reference, e.g. ``"Flückiger, C., ... 55(4), 316-340. https://doi.org/10.1037/pst0000172"``.
    """
    item = row(key)
    return f"{item.citation} https://doi.org/{item.doi}" if item.doi else item.citation


# Rows that share a metric but measure different things name it per row.
_METRIC_NAMES_BY_KEY: dict[str, str] = {
    "miti_relational_global": "MITI 4 benchmark for the relational global score",
    "miti_technical_global": "MITI 4 benchmark for the technical global score",
    "miti_reflection_question_ratio": "MITI 4 benchmark for the reflection-to-question ratio",
    "miti_complex_reflections": "MITI 4 benchmark for the share of complex reflections",
}


def metric_name(key: str) -> str:
    """The row's metric in words, as :func:`statement` names it (``"upper bound of the true difference ..."``).

    Raises
    ------
    KeyError
        If the key is unknown, or its metric has no name in the course's list (add one before using the row).
    """
    metric = row(key).metric
    if key in _METRIC_NAMES_BY_KEY:
        return _METRIC_NAMES_BY_KEY[key]
    try:
        return _METRIC_NAMES[metric]
    except KeyError:
        raise KeyError(f"Evidence {key!r} has metric {metric!r}, which has no name in _METRIC_NAMES.") from None


def is_verified(key: str) -> bool:
    """Whether the row may be stated as a finding or graded (status ``verified...``); ``partial`` rows may not."""
    return row(key).status.startswith("verified")


def _apa_number(text: str, symbol: str) -> str:
    """Write a stored number as printed, dropping the leading zero for statistics bounded by 1."""
    text = text.strip()
    if symbol in _NO_LEADING_ZERO:
        text = re.sub(r"^(-?)0\.", r"\1.", text)
    return text


def _sample(item: EvidenceRow) -> list[str]:
    parts = []
    if item.k:
        parts.append(f"k = {item.k}" if _PLAIN_COUNT.fullmatch(item.k) else item.k)
    if item.n:
        parts.append(f"N = {item.n}" if _PLAIN_COUNT.fullmatch(item.n) else item.n)
    for label, words in _PERSON_FIRST.items():
        parts = [part.replace(label, words) for part in parts]
    return parts


def statement(key: str) -> str:
    """The figure as a student reads it, in APA style, with its source.

    Effect sizes (r, d, g, odds ratios) are written as ``symbol = value`` with the decimals the source
    printed; r has no leading zero because it cannot exceed 1, while d, g and OR keep it. The 95% CI,
    the number of studies and participants and the in-text citation follow in parentheses. Figures
    that are not a single effect size (percentages, ranges, bounds, qualitative findings) are given as
    printed after the name of their metric (``"upper bound of the true difference (d) ...: ~0.20"``), so a
    bound or a range never reads as an effect size. A row that is not verified says so at the end.

    Parameters
    ----------
    key : str
        A key such as ``"alliance_r_2018"``.

    Returns
    -------
    str
        For example ``"r = .278 (95% CI .256 to .299; 295 independent studies, >30,000 patients;
        Flückiger et al., 2018)"``.
    """
    item, raw = _lookup(key)
    symbol = _SYMBOLS.get(item.metric)
    details: list[str] = []
    if symbol is not None and item.value is not None:
        figure = f"{symbol} = {_apa_number(raw['value'], symbol)}"
        qualifier = _NUMBER.sub("", item.value_text, count=1).strip(" ()~")
        if qualifier:
            figure += f", {qualifier}"
        if item.ci_low is not None and item.ci_high is not None:
            low, high = _apa_number(raw["ci_low"], symbol), _apa_number(raw["ci_high"], symbol)
            details.append(f"95% CI {low} to {high}")
    else:
        figure = f"{metric_name(key)}: {item.value_text}"
    sample = _sample(item)
    if sample:
        details.append(", ".join(sample))
    details.append(item.short_cite)
    text = f"{figure} ({'; '.join(details)})"
    if not is_verified(key):
        text += f" [not fully verified (status: {item.status}): an open question, not a finding]"
    return text


def table() -> pd.DataFrame:
    """All findings as a data frame.

    Returns
    -------
    pandas.DataFrame
        One row per finding with the columns of :data:`COLUMNS`; ``value``, ``ci_low`` and ``ci_high``
        are floats (NaN where the source gives none). The frame is a copy and safe to modify.
    """
    return _frame().copy()


def _sort_key(text: str) -> str:
    """Alphabetical order for a reference list, ignoring case and accents (Østergård files under O)."""
    text = text.translate(str.maketrans({"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def references(keys: Iterable[str]) -> list[str]:
    """The reference list for a set of findings, e.g. for a notebook's References section.

    Parameters
    ----------
    keys : iterable of str
        Keys of the findings a notebook cites.

    Returns
    -------
    list of str
        Unique full APA references (with DOI links), in alphabetical order.

    Raises
    ------
    KeyError
        If any key is unknown.
    """
    if isinstance(keys, str):
        keys = [keys]
    unique = {reference(key) for key in keys}
    return sorted(unique, key=lambda text: (_sort_key(text), text))


# Guard against the dataclass and the column list drifting apart.
assert tuple(field.name for field in fields(EvidenceRow)) == COLUMNS
