"""Honest evaluation of the reply coder (what ``make bench`` prints and ``docs/CODER.md`` keeps).

* 5-fold cross-validation grouped by transcript (``StratifiedGroupKFold`` on ``transcript_id``: no session in
  both the training and the test folds): precision, recall and F1 per code, macro-F1, accuracy, the confusion
  matrix, and how often the coder is right at each level of its confidence.
* The same folds for three comparisons: a plain word and character n-gram model of the reply alone, the coder
  without the client statement, and the coder without its naive Bayes views (the model before issue 15).
* The yardstick: agreement between AnnoMI's expert annotators on the 7 transcripts they all coded.
* The MI-non-adherence flag (``helpcourse.adherence``): precision and recall against the label AnnoMI's annotations
  allow (advice given without permission), how often it fires in high- and low-quality sessions, and, separately,
  precision and recall on the hand-written replies of ``tests/test_adherence.py``.
* Training time (wall clock and CPU), loading from the cache, and the latency of coding one reply (with its flag).

Usage: ``python bench/coder_eval.py [--quick] [--html confusion.html]``. ``--quick`` skips the comparisons.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from helpcourse import adherence, coder, figures

N_FOLDS = 5
LATENCY_CALLS = 200
HAND_WRITTEN_FILE = Path(__file__).resolve().parents[1] / "tests" / "test_adherence.py"


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A small DataFrame as a Markdown table (index included); integer columns keep thousands separators."""

    def cell(value: object, column: pd.Series) -> str:
        if pd.api.types.is_integer_dtype(column):
            return f"{int(value):,}"
        if pd.api.types.is_float_dtype(column):
            return f"{float(value):{floatfmt}}"
        return str(value)

    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for position, index in enumerate(frame.index):
        cells = [cell(frame[c].iloc[position], frame[c]) for c in frame.columns]
        lines.append("| " + " | ".join([str(index), *cells]) + " |")
    return "\n".join(lines)


def baseline_macro_f1(table: pd.DataFrame, seed: int) -> tuple[float, pd.Series]:
    """A plain word (1-2) and character (2-5) n-gram linear SVM of the reply alone, on the same folds."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    codes, groups = table["code"].to_numpy(), table["transcript_id"].to_numpy()
    predicted = np.empty(len(table), dtype=object)
    splitter = StratifiedGroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=seed)
    for train, test in splitter.split(table, codes, groups):
        features = ColumnTransformer([
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), "reply"),
            ("characters", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
             "reply"),
        ])
        model = make_pipeline(features, LinearSVC(C=0.5, class_weight="balanced", random_state=seed))
        model.fit(table.iloc[train], codes[train])
        predicted[test] = model.predict(table.iloc[test])
    per_code = f1_score(codes, predicted.astype(str), labels=list(coder.CODES), average=None)
    return float(np.mean(per_code)), pd.Series(per_code, index=list(coder.CODES))


def practice_like(table: pd.DataFrame) -> pd.Series:
    """Utterances like a student's reply: answer a client statement, whole (not cut off), 4 words or more."""
    whole = ~table["reply"].str.contains(r"^\s*[-—–]|[-—–]\s*$", regex=True)
    return (table["client"] != "") & whole & (table["reply"].str.split().str.len() >= 4)


def confidence_table(predictions: pd.DataFrame) -> pd.DataFrame:
    """Share of correct codes by the coder's confidence."""
    bins = pd.cut(predictions["confidence"], [0, 0.5, 0.7, 0.9, 1.0], include_lowest=True,
                  labels=["up to 50%", "50-70%", "70-90%", "over 90%"])
    correct = predictions["code"] == predictions["predicted"]
    table = pd.DataFrame({"utterances": correct.groupby(bins, observed=False).size().astype(int),
                          "share coded as the experts did": correct.groupby(bins, observed=False).mean()})
    table.index.name = "coder's confidence"
    return table


def hand_written_examples() -> list | None:
    """The hand-written replies of ``tests/test_adherence.py`` (None when the test file cannot be read)."""
    try:
        spec = importlib.util.spec_from_file_location("_adherence_hand_written", HAND_WRITTEN_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return list(module.HAND_WRITTEN)
    except Exception as exc:  # the benchmark still prints the AnnoMI figures
        print(f"(hand-written set not read: {type(exc).__name__}: {exc})")
        return None


def flag_report() -> None:
    """Precision and recall of the non-adherence flag, and where it fires."""
    result = adherence.evaluate_flag()
    print("\n## The MI-non-adherence flag\n")
    print("Against AnnoMI's derived label *advice without permission* (annotators' advice subtype, no permission asked "
          "in the two earlier helper turns, not asked for by the client; approximate):\n")
    print(markdown_table(result.advice.rename_axis("flag"), floatfmt=".2f"))
    print(f"\nHow often the flag fires (low-quality sessions hold {100 * result.low_quality_share:.1f}% of therapist "
          "utterances):\n")
    rates = result.rates.reset_index()
    rates.index = rates["mi_quality"] + " / " + rates["code"]
    print(markdown_table(rates.drop(columns=["mi_quality", "code"]).rename_axis("session quality / experts' code")))
    print("\nWhere each kind's flags fall:\n")
    print(markdown_table(result.by_kind.rename_axis("kind"), floatfmt=".2f"))
    examples = hand_written_examples()
    if examples is not None:
        print(f"\nHand-written replies of tests/test_adherence.py ({len(examples)}; written by the author of the "
              "rules, so a check of the rules, not an estimate of how they generalise):\n")
        print(markdown_table(adherence.score_examples(examples).rename_axis("kind"), floatfmt=".2f"))
    print("\nWhat students are shown (adherence.flag_accuracy_statement(), the committed adherence.MEASURED_FLAG; "
          "tests/test_adherence.py checks it against the figures above):\n")
    print(adherence.flag_accuracy_statement())
    sample = adherence.adherence_table()["reply"].tolist()
    started = time.perf_counter()
    for reply in sample:
        adherence.flag_reply(reply)
    print(f"\nFlagging one reply: {1000 * (time.perf_counter() - started) / len(sample):.2f} ms on average "
          f"({len(sample):,} AnnoMI utterances)")


def timings(table: pd.DataFrame) -> dict[str, float]:
    """Training time (wall and CPU), loading from a fresh cache, and the median latency of one reply."""
    wall, cpu = time.perf_counter(), time.process_time()
    trained = coder.train_coder(table=table)
    result = {"train_wall_s": time.perf_counter() - wall, "train_cpu_s": time.process_time() - cpu}
    with tempfile.TemporaryDirectory() as folder:
        coder.load_coder(cache_dir=Path(folder))  # trains and writes the cache
        started = time.perf_counter()
        coder.load_coder(cache_dir=Path(folder))
        result["load_cached_s"] = time.perf_counter() - started
        result["cache_file_mb"] = coder.coder_cache_path(cache_dir=Path(folder)).stat().st_size / 1e6
    sample = table.sample(LATENCY_CALLS, random_state=0)
    latencies, cpu_latencies = [], []
    for reply, client in zip(sample["reply"], sample["client"], strict=True):
        started, started_cpu = time.perf_counter(), time.process_time()
        trained.code(reply, client)
        latencies.append(time.perf_counter() - started)
        cpu_latencies.append(time.process_time() - started_cpu)
    result["latency_median_ms"] = 1000 * statistics.median(latencies)
    result["latency_p95_ms"] = 1000 * float(np.percentile(latencies, 95))
    result["latency_cpu_median_ms"] = 1000 * statistics.median(cpu_latencies)
    from helpcourse import demos

    started = time.perf_counter()
    demos.ReplyPractice(seed=1, coder=trained)
    result["widget_s"] = time.perf_counter() - started
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the baseline and the no-context comparison")
    parser.add_argument("--html", type=Path, help="also write the confusion-matrix figure to this HTML file")
    args = parser.parse_args(argv)

    table = coder.coder_training_table()
    settings = coder.DEFAULT_SETTINGS
    print(f"Reply coder: {len(table):,} therapist utterances from {table['transcript_id'].nunique()} AnnoMI "
          f"transcripts; settings {dataclasses.asdict(settings)}")
    started, started_cpu = time.perf_counter(), time.process_time()
    result = coder.cross_validate_coder(settings, n_folds=N_FOLDS, table=table)
    print(f"\n## {N_FOLDS}-fold cross-validation grouped by transcript ({time.perf_counter() - started:.0f} s wall "
          f"clock, {time.process_time() - started_cpu:.0f} s CPU)\n")
    print(markdown_table(result.per_code))
    print(f"\nmacro-F1 {result.macro_f1:.3f}, accuracy {result.accuracy:.3f}")
    print("\nConfusion matrix (rows: experts' code, columns: coder's code)\n")
    print(markdown_table(result.confusion.rename_axis("expert \\ coder")))
    print("\n" + figures.describe_confusion_matrix(result.confusion))
    print("\nHow often the coder is right at each level of its confidence\n")
    print(markdown_table(confidence_table(result.predictions)))

    subset = practice_like(table).to_numpy()
    from sklearn.metrics import f1_score

    f1_subset = f1_score(result.predictions["code"][subset], result.predictions["predicted"][subset],
                         labels=list(coder.CODES), average=None)
    print(f"\nOn the {int(subset.sum()):,} utterances that look like a practice reply (answer a client statement, "
          "whole, 4+ words), F1: " + ", ".join(f"{c} {f:.3f}" for c, f in zip(coder.CODES, f1_subset, strict=True)))

    agreement = coder.annotator_agreement()
    print(f"\nExpert annotators with each other ({agreement['n_pairs']} pairs, {agreement['n_utterances']} "
          f"utterances, {agreement['n_transcripts']} transcripts): macro-F1 {agreement['macro_f1']:.3f}, "
          f"Cohen's kappa {agreement['kappa']:.3f}, accuracy {agreement['accuracy']:.3f}")

    if not args.quick:
        macro, per_code = baseline_macro_f1(table, settings.seed)
        print(f"\nSame folds, word + character n-grams of the reply alone (one linear SVM): macro-F1 {macro:.3f} "
              "(" + ", ".join(f"{c} {f:.3f}" for c, f in per_code.items()) + ")")
        no_context = dataclasses.replace(settings, use_client_context=False)
        alone = coder.cross_validate_coder(no_context, n_folds=N_FOLDS, table=table)
        print(f"Same folds, the coder without the client statement: macro-F1 {alone.macro_f1:.3f} ("
              + ", ".join(f"{c} {f:.3f}" for c, f in alone.per_code["f1"].items()) + ")")
        no_bayes = dataclasses.replace(settings, naive_bayes_views=())
        before = coder.cross_validate_coder(no_bayes, n_folds=N_FOLDS, table=table)
        print(f"Same folds, the coder without its naive Bayes views (the model before issue 15): macro-F1 "
              f"{before.macro_f1:.3f} (" + ", ".join(f"{c} {f:.3f}" for c, f in before.per_code["f1"].items()) + ")")

    flag_report()

    measured = timings(table)
    print(f"\nTraining: {measured['train_wall_s']:.1f} s wall clock, {measured['train_cpu_s']:.1f} s CPU; "
          f"loading from the cache {measured['load_cached_s']:.2f} s ({measured['cache_file_mb']:.1f} MB); "
          f"coding one reply: median {measured['latency_median_ms']:.1f} ms, 95th percentile "
          f"{measured['latency_p95_ms']:.1f} ms, median CPU {measured['latency_cpu_median_ms']:.1f} ms "
          f"({LATENCY_CALLS} replies); building the practice widget with a trained coder "
          f"{measured['widget_s']:.2f} s")

    if args.html:
        figures.confusion_matrix_figure(result.confusion).write_html(args.html, include_plotlyjs="cdn")
        print(f"\nConfusion-matrix figure written to {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
