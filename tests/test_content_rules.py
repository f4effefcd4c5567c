"""The course's content rules (docs/CONTENT.md), checked over every module, exercise, rubric and item bank.

Static checks read the notebooks' sources: one method for "clients per 100", one tolerance policy for numeric
answers, only verified evidence in graded work, person-first and role-play wording, safety notes, and multiple
choice that cannot be answered by picking the longest, the most hedged or the least absolute option.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from graded_answers import PRECISION

from helpcourse import capstone, checks, evidence, preferences, strengths

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted((REPO / "course" / "modules").glob("*.ipynb"))
EXERCISES = sorted((REPO / "course" / "exercises").glob("*/*.ipynb"))
RUBRICS = sorted((REPO / "grading" / "rubrics").glob("ps*.md"))
LIBRARY = sorted((REPO / "src" / "helpcourse").rglob("*.py"))

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "") or cell.get("id", "")


def _question(cell: nbformat.NotebookNode) -> str:
    """The question a cell belongs to, from its id (``q3_prompt`` -> ``q3``), or ''."""
    match = re.match(r"(q\d+)_", _grade_id(cell))
    return match.group(1) if match else ""


# ---------------------------------------------------------------------------------------------- effect sizes


@pytest.mark.parametrize("path", MODULES + EXERCISES, ids=lambda p: p.stem)
def test_clients_per_100_use_the_one_course_method(path: Path) -> None:
    """Every "clients per 100" translation uses the median split (1/2 +- arcsin(r)/pi), never the BESD."""
    nb = _read(path)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    text = "\n".join(cell.source for cell in nb.cells)
    assert "besd" not in code.lower(), f"{path.name} uses the BESD; use effects.proportion_above_median_by_half"
    assert not re.search(r"\.5 ?[+±-] ?r ?/ ?2|r/2", text), f"{path.name} teaches the BESD formula"


def test_the_library_has_one_translation_of_r_into_clients() -> None:
    from helpcourse import effects

    assert not hasattr(effects, "besd"), "the course teaches one translation: proportion_above_median_by_half"
    upper, lower = effects.proportion_above_median_by_half(0.18)
    assert (round(upper, 2), round(lower, 2)) == (0.56, 0.44)


# ---------------------------------------------------------------------------------------------- tolerance


@dataclass(frozen=True)
class NumericQuestion:
    exercise: str
    question: str
    answer: str
    decimals: int
    prompt: str
    hidden: str


def numeric_questions(path: Path) -> list[NumericQuestion]:
    """The autograded numeric questions of an exercise: their answer variable, precision and prompt."""
    nb = _read(path)
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        if "checks.expect_number(" not in cell.source:
            continue
        question = _question(cell)
        hidden = "\n".join(HIDDEN.findall(cell.source))
        call = PRECISION.search(hidden)
        prompt = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown" and _question(c) == question)
        found.append(NumericQuestion(path.stem, question, call.group(1) if call else "",
                                     int(call.group(2)) if call else -1, prompt, hidden))
    return found


ALL_NUMERIC = [q for path in EXERCISES for q in numeric_questions(path)]


def test_every_exercise_has_numeric_questions() -> None:
    assert len({q.exercise for q in ALL_NUMERIC}) == len(EXERCISES)


@pytest.mark.parametrize("question", ALL_NUMERIC, ids=lambda q: f"{q.exercise}-{q.question}")
def test_numeric_question_states_its_precision_and_uses_the_policy(question: NumericQuestion) -> None:
    assert question.decimals >= 0, (
        f"{question.exercise} {question.question}: the hidden test must call "
        "checks.assert_close_to(answer, expected, decimals=N, message=...)"
    )
    assert "isclose" not in question.hidden and "abs_tol" not in question.hidden, (
        f"{question.exercise} {question.question}: compare with checks.assert_close_to / checks.is_close_to"
    )
    words = checks.DECIMAL_WORDS[question.decimals]
    assert words in question.prompt, (
        f"{question.exercise} {question.question}: the prompt must ask for the precision graded ({words!r})"
    )
    asked = {n for n, w in checks.DECIMAL_WORDS.items() if re.search(rf"\bto {w}\b", question.prompt)}
    assert asked <= {question.decimals}, f"{question.exercise} {question.question}: prompt asks for {asked}"


def test_tolerance_policy_accepts_roundings_and_refuses_coarser_answers() -> None:
    assert checks.is_close_to(0.1387, 0.1387, 2)
    assert checks.is_close_to(0.14, 0.1387, 2)
    assert checks.is_close_to(0.139, 0.1387, 2)
    assert checks.is_close_to(0.56, 0.5562, 2)
    assert not checks.is_close_to(0.14, 0.1387, 3)
    assert not checks.is_close_to(0.15, 0.1387, 2)
    assert checks.is_close_to(12, 11.5, 0) and not checks.is_close_to(13, 11.5, 0)
    for expected in (0.12345, 1.98765, 42.4449, 0.005):
        for decimals in range(4):
            assert checks.is_close_to(round(expected, decimals), expected, decimals)
            assert not checks.is_close_to(expected + 1.5 * 10**-decimals, expected, decimals)
    with pytest.raises(AssertionError, match="not right"):
        checks.assert_close_to(0.2, 0.1387, decimals=2, message="not right")


# ---------------------------------------------------------------------------------------------- evidence


EVIDENCE_CALL = re.compile(r"evidence\.\w+\(\s*[\"']([a-z0-9_]+)[\"']")


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_graded_work_reads_only_verified_evidence(path: Path) -> None:
    """No prompt, solution or hidden test of a graded exercise rests on a row that is not verified."""
    keys = set(evidence.keys())
    for cell in _read(path).cells:
        named = set(EVIDENCE_CALL.findall(cell.source)) | (set(re.findall(r"[a-z0-9_]+", cell.source)) & keys)
        for key in named:
            assert key in keys, f"{path.name} cell {cell.get('id')}: unknown evidence key {key!r}"
            assert evidence.is_verified(key), (
                f"{path.name} cell {cell.get('id')}: {key} has status {evidence.row(key).status}; "
                "only verified rows may be graded"
            )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_partial_evidence_is_shown_as_an_open_question(path: Path) -> None:
    """A module may name a partial row only through evidence.statement, which marks it as not verified."""
    for cell in _read(path).cells:
        for key in set(re.findall(r"[\"']([a-z0-9_]+)[\"']", cell.source)) & set(evidence.keys()):
            if not evidence.is_verified(key):
                assert f"evidence.value(\"{key}\")" not in cell.source, f"{path.name}: {key} used as a number"


# ---------------------------------------------------------------------------------------------- wording


def _texts() -> Iterator[tuple[str, str]]:
    for path in MODULES + EXERCISES:
        for cell in _read(path).cells:
            yield f"{path.relative_to(REPO)}#{cell.get('id')}", cell.source
    for path in RUBRICS + [REPO / "README.md", REPO / "course" / "README.md"]:
        yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8")
    for path in LIBRARY:
        if path.name != "evidence.py":
            yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8")


LABELS = re.compile(r"\b(problem drinkers|alcoholics|addicts|depressives|schizophrenics|the mentally ill)\b", re.I)


def test_person_first_language() -> None:
    found = [(where, m.group(0)) for where, text in _texts() for m in LABELS.finditer(text)
             if "you're an alcoholic" not in text[max(0, m.start() - 30):m.end()].lower()]
    assert not found, f"use person-first wording: {found}"


ROLE_PLAY = re.compile(r"\breal (MI )?(sessions?|clients?|conversations?|counsell?ing sessions?|therapists?)\b", re.I)


def test_annomi_is_called_role_play_data() -> None:
    """AnnoMI holds demonstration role-plays: nothing calls its sessions or speakers real."""
    found = []
    for where, text in _texts():
        if re.search(r"annomi|transcript|demonstration", text, re.I):
            found += [(where, m.group(0)) for m in ROLE_PLAY.finditer(text)]
    assert not found, f"AnnoMI sessions are demonstration role-plays: {found}"


RISK = re.compile(r"suicid|self-harm|harm (him|her|them)self|better off without me|thoughts of death|"
                  r"kill (my|him|her)self|safety plan|coercive|safeguard", re.I)


def test_every_risk_passage_names_procedures_and_supervision() -> None:
    """Wherever risk comes up, real cases follow the agency's procedures and are taken to supervision."""
    missing = []
    for path in MODULES + EXERCISES:
        cells = _read(path).cells
        for i, cell in enumerate(cells):
            if cell.cell_type == "markdown" and RISK.search(cell.source):
                near = " ".join(c.source for c in cells[max(0, i - 1):i + 2]).lower()
                if "supervis" not in near or not re.search(r"procedure|policy|policies|protocol", near):
                    missing.append(f"{path.name}#{cell.get('id')}")
    for path in RUBRICS:
        text = path.read_text(encoding="utf-8")
        if RISK.search(text) and ("supervis" not in text.lower() or "procedure" not in text.lower()):
            missing.append(path.name)
    assert not missing, f"risk mentioned without the agency's procedures and supervision: {missing}"


def test_risk_practice_items_carry_the_safety_note() -> None:
    items = {item.item_id: item for item in strengths.ITEMS}
    text = " ".join(items["better_off_without_me"].why.values()).lower()
    assert "supervis" in text and "procedure" in text
    decisions = " ".join(" ".join(d.explanations.values()) + " ".join(d.options.values())
                         for d in capstone.decision_points()).lower()
    assert "supervis" in decisions and "risk" in decisions


# ---------------------------------------------------------------------------------------------- multiple choice


@dataclass(frozen=True)
class ChoiceItem:
    where: str
    options: dict[str, str]
    correct: str


def _literal(node: ast.AST | None) -> object:
    try:
        return ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None


def module_choice_items(path: Path) -> list[ChoiceItem]:
    items = []
    for cell in _read(path).cells:
        if cell.cell_type != "code" or "choice_question(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "choice_question"):
                continue
            named = {kw.arg: kw.value for kw in node.keywords}
            args = list(node.args) + [None] * 4
            options = _literal(named.get("options", args[1]))
            correct = _literal(named.get("correct", args[2]))
            if isinstance(options, dict) and isinstance(correct, str):
                items.append(ChoiceItem(f"{path.stem}#{cell.get('id')}", options, correct))
    return items


# An option is a bullet "* **a)** text" and its indented continuation lines (a blank line or a new bullet ends it).
OPTION_LINE = re.compile(r"^[ \t]*[*-] \*\*([a-e])\)\*\* (.*(?:\n[ \t]+\S.*)*)", re.MULTILINE)


def exercise_choice_items(path: Path) -> list[ChoiceItem]:
    items, options = [], {}
    for cell in _read(path).cells:
        if cell.cell_type == "markdown":
            found = {letter: " ".join(text.split()) for letter, text in OPTION_LINE.findall(cell.source)}
            if found:
                options = found
        for letter in re.findall(r"\.lower\(\) == [\"']([a-e])[\"']", "\n".join(HIDDEN.findall(cell.source))):
            assert options, f"{path.name}#{cell.get('id')}: a graded choice without options above it"
            items.append(ChoiceItem(f"{path.stem}#{_question(cell)}", options, letter))
            options = {}
    return items


def bank_items() -> list[ChoiceItem]:
    items = [ChoiceItem(f"preferences.{i}", dict(q["options"]), str(q["correct"]))
             for i, q in enumerate(map(preferences.reply_question, preferences.COLLABORATION_ITEMS))]
    items += [ChoiceItem(f"strengths.{item.item_id}", dict(item.options), item.best) for item in strengths.ITEMS]
    items += [ChoiceItem(f"capstone.{d.key}", dict(d.options), d.best) for d in capstone.decision_points()]
    return items


ALL_CHOICES = ([i for p in MODULES for i in module_choice_items(p)]
               + [i for p in EXERCISES for i in exercise_choice_items(p)] + bank_items())

HEDGES = re.compile(r"\b(tends?|tended|on average|associated|may|might|can|could|often|usually|likely|"
                    r"probably|some|suggests?|partly|not always)\b", re.I)
ABSOLUTES = re.compile(r"\b(always|never|proves?n?|caused?|causes|all|only|every|none|guarantees?|must|"
                       r"certainly|definitely|completely|no one|nothing)\b", re.I)


def _unique_pick(scores: dict[str, float], best: str) -> str | None:
    """The option a test-wise strategy picks (max or min score), or None when several tie."""
    target = max(scores.values()) if best == "max" else min(scores.values())
    picks = [letter for letter, score in scores.items() if score == target]
    return picks[0] if len(picks) == 1 else None


STRATEGIES = {
    "longest option": (lambda text: len(text), "max"),
    "shortest option": (lambda text: len(text), "min"),  # rewriting must not swap one giveaway for another
    "most hedged option": (lambda text: len(HEDGES.findall(text)), "max"),
    "option without absolute words": (lambda text: len(ABSOLUTES.findall(text)), "min"),
}


def _upper_tail(probabilities: list[float], observed: int) -> float:
    """P(X >= observed) for a sum of independent Bernoulli trials (Poisson-binomial), computed exactly."""
    dist = [1.0]
    for p in probabilities:
        dist = [(dist[k] if k < len(dist) else 0) * (1 - p) + (dist[k - 1] * p if k else 0)
                for k in range(len(dist) + 1)]
    return sum(dist[observed:])


def test_the_collectors_find_every_kind_of_item() -> None:
    kinds = {item.where.split("#")[0].split(".")[0] for item in ALL_CHOICES}
    assert {"preferences", "strengths", "capstone"} <= kinds
    assert sum(item.where.startswith("ps") for item in ALL_CHOICES) >= 10
    assert sum(item.where[:2].isdigit() for item in ALL_CHOICES) >= 15
    for item in ALL_CHOICES:
        assert item.correct in item.options and len(item.options) >= 2, item


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_test_wise_strategies_do_no_better_than_chance(strategy: str) -> None:
    """Picking the longest / shortest / most hedged / least absolute option must not beat guessing (p < .05)."""
    score, best = STRATEGIES[strategy]
    hits, chances, decided = [], [], 0
    for item in ALL_CHOICES:
        pick = _unique_pick({k: score(v) for k, v in item.options.items()}, best)
        if pick is None:
            continue
        decided += 1
        chances.append(1 / len(item.options))
        if pick == item.correct:
            hits.append(item.where)
    p_value = _upper_tail(chances, len(hits)) if chances else 1.0
    assert p_value >= 0.05, (
        f"picking the {strategy} answers {len(hits)} of {decided} items right "
        f"(chance: {sum(chances):.1f}; p = {p_value:.4f}): {hits}"
    )


def test_right_letters_are_spread() -> None:
    """No letter is right far more often than chance across the course's items (one-sided p < .01 per letter)."""
    for letter in "abcd":
        chances = [1 / len(item.options) for item in ALL_CHOICES if letter in item.options]
        count = sum(item.correct == letter for item in ALL_CHOICES)
        assert _upper_tail(chances, count) >= 0.01, f"{letter!r} is right in {count} of {len(chances)} items"


def test_upper_tail_matches_the_binomial() -> None:
    assert math.isclose(_upper_tail([0.5] * 4, 3), 5 / 16)
    assert math.isclose(_upper_tail([0.25] * 3, 0), 1.0)
