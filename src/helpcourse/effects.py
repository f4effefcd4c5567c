"""Effect sizes and meta-analysis: the arithmetic behind the numbers quoted in the course.

Outcome research reports its findings in several currencies: correlations (r), standardised mean
differences (Cohen's d, Hedges' g), odds ratios, risk differences and numbers needed to treat. The
functions here convert between them and translate them into plain-language displays (the binomial
effect-size display, the probability of superiority, Cohen's U3), so that a student can see that the
alliance-outcome correlation of r = .28 (Flückiger et al., 2018) and a d of about .58 are the same finding.

Every function accepts plain numbers; most also accept numpy arrays and then return arrays. Inputs are
checked, and a mistake produces a ``ValueError`` whose message says what was expected and what was given.

References
----------
Borenstein, M., Hedges, L. V., Higgins, J. P. T., & Rothstein, H. R. (2009). *Introduction to
meta-analysis*. Wiley.
Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.
DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. *Controlled Clinical Trials, 7*,
177-188.
Hasselblad, V., & Hedges, L. V. (1995). Meta-analysis of screening and diagnostic tests.
*Psychological Bulletin, 117*, 167-178.
Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a meta-analysis.
*Statistics in Medicine, 21*, 1539-1558.
McGraw, K. O., & Wong, S. P. (1992). A common language effect size statistic. *Psychological Bulletin,
111*, 361-365.
Paule, R. C., & Mandel, J. (1982). Consensus values and weighting factors. *Journal of Research of the
National Bureau of Standards, 87*, 377-385.
Rosenthal, R., & Rubin, D. B. (1982). A simple, general purpose display of magnitude of experimental
effect. *Journal of Educational Psychology, 74*, 166-169.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatOrArray = float | npt.NDArray[np.float64]
"""A single number, or a numpy array of numbers when an array went in."""

#: The standard normal's 97.5th percentile, ``scipy.special.ndtri(0.975)`` (a 95% interval's z).
_Z_975 = 1.959963984540054
_ERFC = np.vectorize(math.erfc, otypes=[float])


def _normal_cdf(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Phi(x), the standard normal distribution function, elementwise: ``erfc(-x / sqrt(2)) / 2``.

    What ``scipy.special.ndtr`` computes, from the standard library's ``math.erfc`` (within 2.3e-16), so that
    importing this module does not import scipy (0.1-0.3 s: scipy's array API layer imports numpy's f2py and fft).
    """
    return 0.5 * _ERFC(-np.asarray(x, dtype=float) / math.sqrt(2.0))

__all__ = [
    "MetaAnalysisResult",
    "cohens_u3",
    "d_to_log_odds_ratio",
    "d_to_odds_ratio",
    "d_to_r",
    "fisher_z",
    "fisher_z_to_r",
    "fixed_effect_meta",
    "hedges_g",
    "log_odds_ratio_and_variance",
    "log_odds_ratio_to_d",
    "number_needed_to_treat",
    "odds_ratio",
    "odds_ratio_to_d",
    "probability_of_superiority",
    "proportion_above_median_by_half",
    "r_to_d",
    "random_effects_meta",
    "risk_difference",
    "risk_ratio",
    "variance_explained",
]

# ln(OR) = d * pi / sqrt(3): the logistic distribution has standard deviation pi / sqrt(3).
_LOGIT_SCALE = math.pi / math.sqrt(3.0)


# --------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------


def _format(value: float) -> str:
    """Show a number the way a student typed it: ``28`` not ``28.0``, ``0.28`` not ``0.280000``."""
    return f"{value:g}"


def _as_array(value: Any, name: str) -> npt.NDArray[np.float64]:
    """Turn a number (or array of numbers) into a float array, refusing text, missing and infinite values."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{name} must be a number; you gave {value!r}.")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; you gave {value!r}.") from None
    if array.size == 0:
        raise ValueError(f"{name} must contain at least one number; you gave an empty list.")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(f"{name} must be a finite number; you gave {array[bad].flat[0]!r}.")
    return array


def _scalar_or_array(array: npt.NDArray[np.float64]) -> FloatOrArray:
    """Return a plain float for a single value and the array otherwise."""
    return float(array) if array.ndim == 0 else array


def _check_correlation(r: Any, name: str = "r", *, strict: bool = False) -> npt.NDArray[np.float64]:
    """Check that a correlation lies in [-1, 1] (or in (-1, 1) when ``strict``) and return it as an array."""
    array = _as_array(r, name)
    bad = (np.abs(array) >= 1) if strict else (np.abs(array) > 1)
    if bad.any():
        value = float(array[bad].flat[0])
        interval = "strictly between -1 and 1" if strict else "between -1 and 1"
        message = f"{name} must be {interval}; you gave {_format(value)}."
        if 1 < abs(value) <= 100:
            message += f" Did you mean {_format(value / 100)}?"
        elif strict:
            message += " A correlation of exactly 1 or -1 has no finite equivalent on this scale."
        raise ValueError(message)
    return array


def _check_positive(value: Any, name: str) -> npt.NDArray[np.float64]:
    array = _as_array(value, name)
    if (array <= 0).any():
        value = float(array[array <= 0].flat[0])
        raise ValueError(f"{name} must be greater than 0; you gave {_format(value)}.")
    return array


def _check_counts(events: Any, n: Any, group: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Check a group's event count and size: 0 <= events <= n and n > 0."""
    events_array = _as_array(events, f"events_{group}")
    n_array = _check_positive(n, f"n_{group}")
    if (events_array < 0).any():
        value = float(events_array[events_array < 0].flat[0])
        raise ValueError(f"events_{group} cannot be negative; you gave {_format(value)}.")
    too_many = events_array > n_array
    if too_many.any():
        e = float(np.broadcast_to(events_array, too_many.shape)[too_many].flat[0])
        m = float(np.broadcast_to(n_array, too_many.shape)[too_many].flat[0])
        raise ValueError(
            f"events_{group} cannot exceed n_{group}: you gave {_format(e)} events among {_format(m)} "
            "clients. Did you swap the count and the group size?"
        )
    return events_array, n_array


def _two_by_two_cells(
    events_a: Any, n_a: Any, events_b: Any, n_b: Any
) -> tuple[npt.NDArray[np.float64], ...]:
    """The four cells of each 2 x 2 table, with 0.5 added to every cell of a table that has an empty cell."""
    ea, na = _check_counts(events_a, n_a, "a")
    eb, nb = _check_counts(events_b, n_b, "b")
    a, b, c, d = np.broadcast_arrays(ea, na - ea, eb, nb - eb)
    correction = np.where((a == 0) | (b == 0) | (c == 0) | (d == 0), 0.5, 0.0)
    return a + correction, b + correction, c + correction, d + correction


# --------------------------------------------------------------------------------------------------
# Converting between r, d and odds ratios
# --------------------------------------------------------------------------------------------------


def r_to_d(r: Any) -> FloatOrArray:
    """Convert a correlation to Cohen's d: d = 2r / sqrt(1 - r^2).

    Parameters
    ----------
    r : float or array_like
        Correlation, strictly between -1 and 1.

    Returns
    -------
    float or numpy.ndarray
        The standardised mean difference equivalent to ``r`` for two equal-sized groups.

    Examples
    --------
    The alliance-outcome correlation of Flückiger et al. (2018):

    >>> round(r_to_d(0.278), 3)
    0.579
    """
    r_array = _check_correlation(r, strict=True)
    return _scalar_or_array(2 * r_array / np.sqrt(1 - r_array**2))


def d_to_r(d: Any, n1: float | None = None, n2: float | None = None) -> FloatOrArray:
    """Convert Cohen's d to a (point-biserial) correlation: r = d / sqrt(d^2 + a).

    Parameters
    ----------
    d : float or array_like
        Standardised mean difference.
    n1, n2 : float, optional
        Group sizes. Without them the groups are taken as equal and a = 4; with them
        a = (n1 + n2)^2 / (n1 n2) (Borenstein et al., 2009, ch. 7). Give both or neither.

    Returns
    -------
    float or numpy.ndarray
        The correlation between group membership and outcome.

    Examples
    --------
    >>> round(d_to_r(0.8), 3)
    0.371
    """
    d_array = _as_array(d, "d")
    if (n1 is None) != (n2 is None):
        raise ValueError("Give both group sizes n1 and n2, or neither (then the groups are taken as equal).")
    if n1 is None or n2 is None:
        a = 4.0
    else:
        size1 = float(_check_positive(n1, "n1"))
        size2 = float(_check_positive(n2, "n2"))
        a = (size1 + size2) ** 2 / (size1 * size2)
    return _scalar_or_array(d_array / np.sqrt(d_array**2 + a))


def d_to_log_odds_ratio(d: Any) -> FloatOrArray:
    """Convert Cohen's d to a log odds ratio: ln(OR) = d * pi / sqrt(3) (Hasselblad & Hedges, 1995).

    Parameters
    ----------
    d : float or array_like
        Standardised mean difference.

    Returns
    -------
    float or numpy.ndarray
        The equivalent natural-log odds ratio.
    """
    return _scalar_or_array(_as_array(d, "d") * _LOGIT_SCALE)


def log_odds_ratio_to_d(log_odds_ratio: Any) -> FloatOrArray:
    """Convert a log odds ratio to Cohen's d: d = ln(OR) * sqrt(3) / pi (Hasselblad & Hedges, 1995).

    Parameters
    ----------
    log_odds_ratio : float or array_like
        Natural-log odds ratio.

    Returns
    -------
    float or numpy.ndarray
        The equivalent standardised mean difference.
    """
    return _scalar_or_array(_as_array(log_odds_ratio, "log_odds_ratio") / _LOGIT_SCALE)


def d_to_odds_ratio(d: Any) -> FloatOrArray:
    """Convert Cohen's d to an odds ratio: OR = exp(d * pi / sqrt(3)).

    Parameters
    ----------
    d : float or array_like
        Standardised mean difference.

    Returns
    -------
    float or numpy.ndarray
        The equivalent odds ratio (1 means no difference).
    """
    return _scalar_or_array(np.exp(_as_array(d, "d") * _LOGIT_SCALE))


def odds_ratio_to_d(or_: Any) -> FloatOrArray:
    """Convert an odds ratio to Cohen's d: d = ln(OR) * sqrt(3) / pi.

    Parameters
    ----------
    or_ : float or array_like
        Odds ratio, greater than 0 (not its logarithm).

    Returns
    -------
    float or numpy.ndarray
        The equivalent standardised mean difference.
    """
    return _scalar_or_array(np.log(_check_positive(or_, "the odds ratio")) / _LOGIT_SCALE)


def fisher_z(r: Any) -> FloatOrArray:
    """Fisher's z transformation of a correlation: z = atanh(r) = 0.5 ln((1 + r) / (1 - r)).

    Parameters
    ----------
    r : float or array_like
        Correlation, strictly between -1 and 1.

    Returns
    -------
    float or numpy.ndarray
        The z value, on which correlations are averaged in a meta-analysis.
    """
    return _scalar_or_array(np.arctanh(_check_correlation(r, strict=True)))


def fisher_z_to_r(z: Any) -> FloatOrArray:
    """Back-transform Fisher's z to a correlation: r = tanh(z).

    Parameters
    ----------
    z : float or array_like
        Fisher's z value.

    Returns
    -------
    float or numpy.ndarray
        The correlation.
    """
    return _scalar_or_array(np.tanh(_as_array(z, "z")))


# --------------------------------------------------------------------------------------------------
# Plain-language displays
# --------------------------------------------------------------------------------------------------


def variance_explained(r: Any) -> FloatOrArray:
    """The share of outcome variance "explained" by a predictor: r^2.

    Parameters
    ----------
    r : float or array_like
        Correlation between -1 and 1.

    Returns
    -------
    float or numpy.ndarray
        r squared, between 0 and 1.
    """
    return _scalar_or_array(_check_correlation(r) ** 2)


def probability_of_superiority(d: Any) -> FloatOrArray:
    """Probability that a random treated client does better than a random comparison client: Phi(d / sqrt(2)).

    This is the common-language effect size of McGraw and Wong (1992), for normal outcomes with equal spread.

    Parameters
    ----------
    d : float or array_like
        Standardised mean difference.

    Returns
    -------
    float or numpy.ndarray
        A probability between 0 and 1 (0.5 when d = 0).
    """
    return _scalar_or_array(_normal_cdf(_as_array(d, "d") / math.sqrt(2.0)))


def cohens_u3(d: Any) -> FloatOrArray:
    """Cohen's U3: the share of the treated group above the comparison group's mean, Phi(d).

    Parameters
    ----------
    d : float or array_like
        Standardised mean difference.

    Returns
    -------
    float or numpy.ndarray
        A proportion between 0 and 1 (0.5 when d = 0; Cohen, 1988, Table 2.2.1).
    """
    return _scalar_or_array(_normal_cdf(_as_array(d, "d")))


def proportion_above_median_by_half(r: Any) -> tuple[FloatOrArray, FloatOrArray]:
    """Share of clients with an above-median outcome, in the upper and lower halves of a predictor.

    For a bivariate normal predictor and outcome with correlation r, the probability that the outcome is
    above its median is exactly 1/2 + arcsin(r)/pi among clients whose predictor is above its median, and
    1/2 - arcsin(r)/pi among the others (Sheppard's orthant probability,
    P(X > 0, Y > 0) = 1/4 + arcsin(r)/(2 pi), divided by 1/2). It is the course's one way of turning a
    correlation into "clients per 100" (docs/CONTENT.md); the binomial effect-size display of Rosenthal and
    Rubin (.5 +- r/2) gives larger differences for the same r and is not used, so that every module's
    translation agrees.

    Parameters
    ----------
    r : float or array_like
        Correlation between -1 and 1.

    Returns
    -------
    tuple of (float or numpy.ndarray)
        The proportion above the outcome median in the upper half of the predictor, then in the lower half.

    Examples
    --------
    >>> upper, lower = proportion_above_median_by_half(0.5)
    >>> round(upper, 4), round(lower, 4)
    (0.6667, 0.3333)
    """
    shift = np.arcsin(_check_correlation(r)) / math.pi
    return _scalar_or_array(0.5 + shift), _scalar_or_array(0.5 - shift)


# --------------------------------------------------------------------------------------------------
# Effect sizes from study results
# --------------------------------------------------------------------------------------------------


def hedges_g(m1: Any, sd1: Any, n1: Any, m2: Any, sd2: Any, n2: Any) -> FloatOrArray:
    """Hedges' g: the standardised mean difference (group 1 minus group 2) with the small-sample correction.

    g = J * (m1 - m2) / s_pooled, with s_pooled = sqrt(((n1 - 1) sd1^2 + (n2 - 1) sd2^2) / (n1 + n2 - 2))
    and the usual approximation J = 1 - 3 / (4 (n1 + n2 - 2) - 1) (Borenstein et al., 2009, ch. 4).

    Parameters
    ----------
    m1, sd1, n1 : float or array_like
        Mean, standard deviation and size of group 1 (usually the treated group).
    m2, sd2, n2 : float or array_like
        Mean, standard deviation and size of group 2 (usually the comparison group).

    Returns
    -------
    float or numpy.ndarray
        Hedges' g; positive when group 1 has the higher mean.
    """
    mean1, mean2 = _as_array(m1, "m1"), _as_array(m2, "m2")
    s1, s2 = _check_positive(sd1, "sd1"), _check_positive(sd2, "sd2")
    size1, size2 = _as_array(n1, "n1"), _as_array(n2, "n2")
    for size, name in ((size1, "n1"), (size2, "n2")):
        if (size < 2).any():
            raise ValueError(
                f"{name} must be at least 2 to have a standard deviation; you gave "
                f"{_format(float(size[size < 2].flat[0]))}."
            )
    df = size1 + size2 - 2
    pooled_sd = np.sqrt(((size1 - 1) * s1**2 + (size2 - 1) * s2**2) / df)
    correction = 1 - 3 / (4 * df - 1)
    return _scalar_or_array(correction * (mean1 - mean2) / pooled_sd)


def odds_ratio(events_a: Any, n_a: Any, events_b: Any, n_b: Any) -> FloatOrArray:
    """Odds ratio of an event in group a relative to group b: (a / b) / (c / d) from the 2 x 2 table.

    When any cell of a table is zero, 0.5 is added to all four of its cells (as in
    :func:`log_odds_ratio_and_variance`), so the result is always finite.

    Parameters
    ----------
    events_a, n_a : float or array_like
        Number of clients with the event, and number of clients, in group a.
    events_b, n_b : float or array_like
        The same for group b.

    Returns
    -------
    float or numpy.ndarray
        The odds ratio (1 means the same odds in both groups).
    """
    a, b, c, d = _two_by_two_cells(events_a, n_a, events_b, n_b)
    return _scalar_or_array((a * d) / (b * c))


def risk_difference(events_a: Any, n_a: Any, events_b: Any, n_b: Any) -> FloatOrArray:
    """Risk difference: events_a / n_a - events_b / n_b.

    Parameters
    ----------
    events_a, n_a : float or array_like
        Number of clients with the event, and number of clients, in group a.
    events_b, n_b : float or array_like
        The same for group b.

    Returns
    -------
    float or numpy.ndarray
        The difference in event rates, between -1 and 1.
    """
    ea, na = _check_counts(events_a, n_a, "a")
    eb, nb = _check_counts(events_b, n_b, "b")
    return _scalar_or_array(ea / na - eb / nb)


def risk_ratio(events_a: Any, n_a: Any, events_b: Any, n_b: Any) -> FloatOrArray:
    """Risk ratio (relative risk): (events_a / n_a) / (events_b / n_b).

    When any cell of a 2 x 2 table is zero, 0.5 is added to all four of its cells (so each group grows by 1),
    which keeps the ratio finite.

    Parameters
    ----------
    events_a, n_a : float or array_like
        Number of clients with the event, and number of clients, in group a.
    events_b, n_b : float or array_like
        The same for group b.

    Returns
    -------
    float or numpy.ndarray
        The ratio of event rates (1 means the same rate in both groups).
    """
    a, b, c, d = _two_by_two_cells(events_a, n_a, events_b, n_b)
    return _scalar_or_array((a / (a + b)) / (c / (c + d)))


def number_needed_to_treat(risk_difference: Any) -> FloatOrArray:
    """Number needed to treat: 1 / |risk difference|.

    The number of clients who must receive the treatment for one more of them to have the better outcome
    than under the comparison condition. The sign of the risk difference says which condition is better;
    the number needed to treat is always positive, and infinite when the risk difference is 0.

    Parameters
    ----------
    risk_difference : float or array_like
        Difference in the rate of the good outcome (or of the bad outcome) between two conditions,
        from -1 to 1.

    Returns
    -------
    float or numpy.ndarray
        The number needed to treat (at least 1).
    """
    rd = _check_correlation(risk_difference, "risk_difference")
    with np.errstate(divide="ignore"):
        return _scalar_or_array(1 / np.abs(rd))


def log_odds_ratio_and_variance(
    events_a: Any, n_a: Any, events_b: Any, n_b: Any
) -> tuple[FloatOrArray, FloatOrArray]:
    """Log odds ratio and its sampling variance, as entered into a meta-analysis.

    ln(OR) = ln(a d / (b c)) and Var = 1/a + 1/b + 1/c + 1/d (Borenstein et al., 2009, ch. 5), where
    a, b are the events and non-events in group a and c, d those in group b. When any of the four cells
    is zero, 0.5 is added to all four cells of that table (and only that table); tables without an empty
    cell are used as they are.

    Parameters
    ----------
    events_a, n_a : float or array_like
        Number of clients with the event, and number of clients, in group a (one value per study).
    events_b, n_b : float or array_like
        The same for group b.

    Returns
    -------
    tuple of (float or numpy.ndarray)
        The log odds ratio and its variance.
    """
    a, b, c, d = _two_by_two_cells(events_a, n_a, events_b, n_b)
    return _scalar_or_array(np.log((a * d) / (b * c))), _scalar_or_array(1 / a + 1 / b + 1 / c + 1 / d)


# --------------------------------------------------------------------------------------------------
# Meta-analysis
# --------------------------------------------------------------------------------------------------

_RANDOM_EFFECTS_METHODS = {"dl": ("dl", "DerSimonian-Laird"), "pm": ("pm", "Paule-Mandel")}


@dataclass(frozen=True)
class MetaAnalysisResult:
    """The pooled result of a meta-analysis.

    Attributes
    ----------
    k : int
        Number of studies.
    estimate : float
        Pooled effect, on the scale of the effects that went in (e.g. log risk ratio, Fisher's z, g).
    se : float
        Standard error of the pooled effect.
    ci_low, ci_high : float
        95% confidence interval of the pooled effect (normal approximation).
    tau2 : float
        Estimated between-study variance of the true effects (0 for a fixed-effect model).
    i2 : float
        I^2 as a percentage (0-100): the share of the observed spread beyond what chance would produce,
        100 * (Q - (k - 1)) / Q, truncated at 0 (Higgins & Thompson, 2002).
    q : float
        Cochran's Q heterogeneity statistic.
    q_pvalue : float
        p value of Q on k - 1 degrees of freedom.
    method : str
        How the studies were combined: "fixed effect", "DerSimonian-Laird" or "Paule-Mandel".
    """

    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    q_pvalue: float
    method: str


def _check_meta_inputs(
    effects: Any, variances: Any
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    effect_array = np.atleast_1d(_as_array(effects, "effects"))
    variance_array = np.atleast_1d(_as_array(variances, "variances"))
    if effect_array.ndim != 1 or variance_array.ndim != 1:
        raise ValueError("effects and variances must each be a flat list of numbers, one per study.")
    if effect_array.shape != variance_array.shape:
        raise ValueError(
            f"effects and variances must have one value per study each; you gave {effect_array.size} effects "
            f"and {variance_array.size} variances."
        )
    if effect_array.size < 2:
        raise ValueError("A meta-analysis needs at least 2 studies; you gave 1.")
    if (variance_array <= 0).any():
        value = float(variance_array[variance_array <= 0][0])
        raise ValueError(
            f"Every variance must be greater than 0; you gave {_format(value)}. "
            "(If you have standard errors, square them to get variances.)"
        )
    return effect_array, variance_array


def _heterogeneity(q: float, k: int) -> tuple[float, float]:
    """I^2 as a percentage and the p value of Q."""
    df = k - 1
    i2 = 100 * max(0.0, (q - df) / q) if q > 0 else 0.0
    from scipy import special  # only when a meta-analysis is computed, not read back (helpcourse.derived)

    return i2, float(special.chdtrc(df, q))


def _z_interval(estimate: float, se: float) -> tuple[float, float]:
    return estimate - _Z_975 * se, estimate + _Z_975 * se


def random_effects_meta(effects: Any, variances: Any, method: str = "pm") -> MetaAnalysisResult:
    """Random-effects meta-analysis by inverse-variance weighting, using statsmodels' ``combine_effects``.

    Parameters
    ----------
    effects : array_like
        One effect size per study (e.g. Fisher's z, Hedges' g, log odds ratio).
    variances : array_like
        The sampling variance of each effect (the squared standard error).
    method : {"pm", "dl"}
        Estimator of the between-study variance tau^2: "pm" for the iterative Paule-Mandel (1982)
        estimator (the default; recommended over DerSimonian-Laird by Veroniki et al., 2016) and "dl" for the
        one-step DerSimonian-Laird (1986) estimator used in many older meta-analyses. REML is not offered:
        statsmodels does not provide it, and Paule-Mandel estimates are usually very close to REML ones.

    Returns
    -------
    MetaAnalysisResult
        Pooled estimate, its standard error and 95% confidence interval, tau^2, I^2 (%), Q and its p value.
    """
    key = str(method).strip().lower()
    if key not in _RANDOM_EFFECTS_METHODS:
        hint = ""
        if key == "reml":
            hint = (
                " REML is not available here; use 'pm' (Paule-Mandel), "
                "which usually gives very similar results."
            )
        raise ValueError(
            f"method must be 'pm' (Paule-Mandel) or 'dl' (DerSimonian-Laird); you gave {method!r}.{hint}"
        )
    statsmodels_name, label = _RANDOM_EFFECTS_METHODS[key]
    effect_array, variance_array = _check_meta_inputs(effects, variances)
    return _kept_meta(
        "random_effects_meta", effect_array, variance_array, key,
        lambda: _random_effects_fit(effect_array, variance_array, statsmodels_name, label),
    )


def _statsmodels_version() -> str:
    from importlib.metadata import version

    return version("statsmodels")


def _kept_meta(
    name: str,
    effect_array: npt.NDArray[np.float64],
    variance_array: npt.NDArray[np.float64],
    method: str,
    fit: Callable[[], MetaAnalysisResult],
) -> MetaAnalysisResult:
    """A meta-analysis's result, kept on disk by its inputs (helpcourse.derived), so that a new kernel pooling the
    same trials reads it instead of importing statsmodels (about 1 s)."""
    from helpcourse import derived  # pandas and the data layer: only where a meta-analysis is asked for

    key = (
        np.ascontiguousarray(effect_array, dtype=np.float64).tobytes(),
        np.ascontiguousarray(variance_array, dtype=np.float64).tobytes(),
        method,
        f"statsmodels {_statsmodels_version()}",
    )
    return derived.kept_result(f"effects.{name}", key, MetaAnalysisResult, fit)


def _random_effects_fit(
    effect_array: npt.NDArray[np.float64], variance_array: npt.NDArray[np.float64], statsmodels_name: str, label: str
) -> MetaAnalysisResult:
    from statsmodels.stats.meta_analysis import combine_effects  # imported on first use: about 1 s

    fit = combine_effects(effect_array, variance_array, method_re=statsmodels_name)
    tau2 = float(fit.tau2)
    if tau2 < 0:
        # statsmodels' one-step DerSimonian-Laird does not truncate a negative tau^2 at zero (its weights would
        # then exceed the fixed-effect ones); with tau^2 = 0 the random-effects model is the fixed-effect one.
        tau2 = 0.0
        estimate, se = float(fit.mean_effect_fe), float(fit.sd_eff_w_fe)
    else:
        estimate, se = float(fit.mean_effect_re), float(fit.sd_eff_w_re)
    ci_low, ci_high = _z_interval(estimate, se)
    k, q = effect_array.size, float(fit.q)
    i2, q_pvalue = _heterogeneity(q, k)
    return MetaAnalysisResult(
        k=k,
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        tau2=tau2,
        i2=i2,
        q=q,
        q_pvalue=q_pvalue,
        method=label,
    )


def fixed_effect_meta(effects: Any, variances: Any) -> MetaAnalysisResult:
    """Fixed-effect (common-effect) meta-analysis by inverse-variance weighting.

    Assumes every study estimates the same true effect, so tau^2 is 0; Q and I^2 are still reported so that
    the assumption can be checked.

    Parameters
    ----------
    effects : array_like
        One effect size per study.
    variances : array_like
        The sampling variance of each effect (the squared standard error).

    Returns
    -------
    MetaAnalysisResult
        Pooled estimate, its standard error and 95% confidence interval, tau^2 = 0, I^2 (%), Q and its
        p value.
    """
    effect_array, variance_array = _check_meta_inputs(effects, variances)
    return _kept_meta("fixed_effect_meta", effect_array, variance_array, "fe",
                      lambda: _fixed_effect_fit(effect_array, variance_array))


def _fixed_effect_fit(
    effect_array: npt.NDArray[np.float64], variance_array: npt.NDArray[np.float64]
) -> MetaAnalysisResult:
    from statsmodels.stats.meta_analysis import combine_effects

    fit = combine_effects(effect_array, variance_array, method_re="dl")
    estimate, se = float(fit.mean_effect_fe), float(fit.sd_eff_w_fe)
    ci_low, ci_high = _z_interval(estimate, se)
    k, q = effect_array.size, float(fit.q)
    i2, q_pvalue = _heterogeneity(q, k)
    return MetaAnalysisResult(
        k=k,
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        tau2=0.0,
        i2=i2,
        q=q,
        q_pvalue=q_pvalue,
        method="fixed effect",
    )
