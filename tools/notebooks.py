"""Keep the course notebooks small and diffable.

    python tools/notebooks.py clean   [NOTEBOOK ...]   strip outputs (except checked cells) and widget state
    python tools/notebooks.py refresh [NOTEBOOK ...]   execute, keep outputs only of cells marked
                                                       ``# NBVAL_CHECK_OUTPUT`` (nbval compares those), clean

Without arguments both act on every notebook under ``course/``. Cell ids and all metadata other than widget
state are left as they are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell: nbformat.NotebookNode) -> bool:
    """Whether nbval compares this cell's stored output."""
    return cell.cell_type == "code" and cell.source.lstrip().startswith(CHECK_MARK)


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop widget state, and outputs and execution counts of every cell that is not checked."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if is_checked(cell):
            cell.outputs = [o for o in cell.outputs if o.get("output_type") in {"stream", "execute_result"}]
            for out in cell.outputs:
                out.pop("metadata", None) if out.get("output_type") == "stream" else None
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def refresh(path: Path) -> None:
    """Execute a notebook in its folder and store only the checked outputs."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   allow_errors=True, store_widget_state=False).execute()
    nbformat.write(clean(nb), path)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"clean", "refresh"}:
        print(__doc__)
        return 2
    paths = [Path(p) for p in argv[1:]] or sorted((REPO / "course").rglob("*.ipynb"))
    for path in paths:
        if ".ipynb_checkpoints" in path.parts:
            continue
        if argv[0] == "refresh":
            refresh(path)
        else:
            nbformat.write(clean(nbformat.read(path, as_version=4)), path)
        print(f"{argv[0]}: {path.relative_to(REPO) if path.is_absolute() else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
