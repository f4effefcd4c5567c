"""A run through a practice bank: order, first tries, moving on and starting again."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from helpcourse import practice_bank


@dataclass(frozen=True)
class _Item:
    item_id: str


def test_order_is_written_seeded_or_keeps_the_last_item_last():
    assert practice_bank.practice_order(4, None) == [0, 1, 2, 3]
    shuffled = practice_bank.practice_order(10, 5)
    assert sorted(shuffled) == list(range(10)) and shuffled != list(range(10))
    assert shuffled == practice_bank.practice_order(10, 5)
    kept = practice_bank.practice_order(10, 5, keep_last=True)
    assert kept[-1] == 9 and sorted(kept) == list(range(10))
    assert practice_bank.practice_order(1, 5, keep_last=True) == [0]
    with pytest.raises(ValueError, match="at least one item"):
        practice_bank.practice_order(0, 1)


def test_only_the_first_answer_to_an_item_counts():
    run = practice_bank.PracticeRun([_Item("a"), _Item("b"), _Item("c")], [2, 0, 1])
    assert run.current.item_id == "c"
    assert run.score() == "Score: nothing answered yet (3 items to answer)."
    run.record(False)
    run.record(True)  # a second try at the same item
    assert (run.correct, run.answered) == (0, 1)
    assert run.next() and run.current.item_id == "a"
    run.record(True)
    assert run.score() == "Score: 1 of 2 right on the first try (2 of 3 items answered)."
    assert run.next() and run.is_last and not run.next()
    run.restart()
    assert (run.position, run.answered, run.current.item_id) == (0, 0, "c")
    with pytest.raises(ValueError, match="at least one item"):
        practice_bank.PracticeRun([], [])
