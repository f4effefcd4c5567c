"""One run through a bank of practice items: the order, the position, and a score of first tries.

Module 03's skill naming (:class:`helpcourse.skills.PracticeSession`) and module 06's question reframing
(:class:`helpcourse.strengths.ReframeSession`) are runs of this kind with their own items and feedback; their
widgets share :class:`helpcourse.demos.common.PracticeActions` for answering, moving on and starting again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import numpy as np

__all__ = ["PracticeRun", "practice_order", "score_text"]

ItemT = TypeVar("ItemT")


def practice_order(n_items: int, seed: int | None, *, keep_last: bool = False) -> list[int]:
    """The order in which items are shown: as written when ``seed`` is None, else a seeded shuffle.

    Parameters
    ----------
    n_items
        How many items the bank holds (at least one).
    seed
        Seed of the shuffle; None keeps the written order.
    keep_last
        Keep the last item last (a bank whose last item closes the practice).
    """
    if n_items < 1:
        raise ValueError(f"There must be at least one item; got {n_items}.")
    if seed is None or (keep_last and n_items == 1):
        return list(range(n_items))
    shuffled = [int(i) for i in np.random.default_rng(seed).permutation(n_items - keep_last)]
    return [*shuffled, n_items - 1] if keep_last else shuffled


def score_text(correct: int, answered: int, total: int, task: str, done: str) -> str:
    """The running score as the student reads it (first tries count).

    ``task`` names what is still to do (``"replies to classify"``), ``done`` what was done (``"replies classified"``).
    """
    if answered == 0:
        return f"Score: nothing answered yet ({total} {task})."
    return f"Score: {correct} of {answered} right on the first try ({answered} of {total} {done})."


class PracticeRun(Generic[ItemT]):
    """The state of one run through a practice bank, without any widget.

    The first answer to an item counts for the score; later attempts at the same item still get feedback.
    Subclasses set :attr:`task` and :attr:`done` (the words of the score) and answer items with
    :meth:`record`.

    Parameters
    ----------
    items
        The items to practise, each with an ``item_id``.
    order
        The positions of ``items`` in the order they are shown (:func:`practice_order`).
    """

    task = "items to answer"
    done = "items answered"

    def __init__(self, items: Sequence[ItemT], order: Sequence[int]) -> None:
        if not items:
            raise ValueError("A practice session needs at least one item.")
        self.items = tuple(items)
        self.order = list(order)
        self.position = 0
        self.first_tries: dict[str, bool] = {}

    @property
    def current(self) -> ItemT:
        """The item on screen."""
        return self.items[self.order[self.position]]

    @property
    def correct(self) -> int:
        """Items answered right on the first try."""
        return sum(self.first_tries.values())

    @property
    def answered(self) -> int:
        """Items answered at least once."""
        return len(self.first_tries)

    @property
    def is_last(self) -> bool:
        """Whether the item on screen is the last one."""
        return self.position == len(self.order) - 1

    def record(self, correct: bool) -> None:
        """Count an answer to the item on screen; only the first one counts for the score."""
        self.first_tries.setdefault(self.current.item_id, correct)  # type: ignore[attr-defined]

    def next(self) -> bool:
        """Move to the next item; False (and no move) when the current item is the last."""
        if self.is_last:
            return False
        self.position += 1
        return True

    def restart(self) -> None:
        """Start again from the first item with a clean score."""
        self.position = 0
        self.first_tries = {}

    def score(self) -> str:
        """The running score as text."""
        return score_text(self.correct, self.answered, len(self.items), self.task, self.done)
