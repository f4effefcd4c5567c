"""nbgrader's exchange with private submissions: only the student and root can read a submitted folder.

nbgrader's own ``submit`` leaves each submission folder in ``inbound`` world-readable (mode 777, files 644); only
its unlisted name (``student+assignment+timestamp+random``) hides it, and it holds the ``submission_secret.txt``
that opens the student's feedback. :class:`PrivateSubmit` closes the folder to its owner (0700, files 0600) right
after nbgrader has written it; the instructor collects as root (the grading service), as on this course's hub.
Set ``c.ExchangeFactory.submit = "helpcourse.hub.exchange.PrivateSubmit"`` in the hub's global nbgrader config.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbgrader.exchange.default.submit import ExchangeSubmit

__all__ = ["PrivateSubmit", "make_private"]


def make_private(folder: str | os.PathLike[str]) -> int:
    """Restrict a folder tree to its owner: folders 0700, files 0600; returns the number of entries changed."""
    root = Path(folder)
    changed = 0
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                os.chmod(path, 0o600)
                changed += 1
        for name in dirnames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                os.chmod(path, 0o700)
                changed += 1
    os.chmod(root, 0o700)
    return changed + 1


class PrivateSubmit(ExchangeSubmit):
    """``nbgrader submit`` whose inbound folder only its owner (and root) can read."""

    def copy_files(self) -> None:
        super().copy_files()
        make_private(os.path.join(self.inbound_path, self.assignment_filename))
