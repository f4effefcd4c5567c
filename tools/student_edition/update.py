"""Bring a new version of the course into this folder without touching your work.

Usage: ``python update.py NEW.zip`` (or a folder holding the new edition). Options: ``--dry-run`` lists what would
happen; ``--add-only`` adds new files and leaves every existing file alone.

* A file that is new in the course is added (and a course file you deleted comes back).
* A file you never changed is updated to the new version.
* A file you changed (answers in an exercise, notes in a module) is never replaced: yours stays, and the new
  version is saved beside it as ``NAME.new.EXT`` so you can compare.

``.edition-manifest.json`` records the checksum of every file as the course shipped it; that is how this script
tells your changes from the course's. Only Python's standard library is used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

MANIFEST = ".edition-manifest.json"


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(folder: Path) -> dict:
    """The manifest of an edition folder (empty if it has none)."""
    path = folder / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {"files": {}}


def _safe(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    return bool(parts) and not PurePosixPath(rel).is_absolute() and ".." not in parts


def find_edition(folder: Path) -> Path:
    """The folder (this one or one below it) that holds an edition manifest."""
    for candidate in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
        if (candidate / MANIFEST).is_file():
            return candidate
    raise SystemExit(f"no course edition found in {folder} (it has no {MANIFEST})")


def beside(path: Path) -> Path:
    """Where the new version of a file the student changed is saved: ``NAME.new.EXT``."""
    return path.with_name(f"{path.stem}.new{path.suffix}")


def plan_update(here: Path, new: Path, add_only: bool = False) -> list[tuple[str, str]]:
    """What updating ``here`` from the edition in ``new`` does, as ``(action, relative path)`` pairs.

    Actions: ``added``, ``updated``, ``same``, ``kept yours`` (the student changed it; the new version goes beside
    it), ``kept`` (``add_only``: an existing file is left alone).
    """
    shipped = load_manifest(here)["files"]
    plan = []
    for rel, new_hash in sorted(load_manifest(new)["files"].items()):
        if not _safe(rel):
            raise SystemExit(f"refusing an unsafe path in the new edition: {rel}")
        local = here / rel
        if not local.exists():
            plan.append(("added", rel))
            continue
        current = file_hash(local)
        if current == new_hash:
            plan.append(("same", rel))
        elif add_only:
            plan.append(("kept", rel))
        elif shipped.get(rel) == current:
            plan.append(("updated", rel))
        else:
            plan.append(("kept yours", rel))
    return plan


def apply_update(here: Path, new: Path, add_only: bool = False) -> list[tuple[str, str]]:
    """Update ``here`` from the edition in ``new``; returns the plan that was carried out."""
    plan = plan_update(here, new, add_only)
    manifest = load_manifest(here)
    new_files = load_manifest(new)["files"]
    for action, rel in plan:
        source, target = new / rel, here / rel
        if action in {"added", "updated"}:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif action == "kept yours":
            shutil.copy2(source, beside(target))
        if action != "kept":
            manifest["files"][rel] = new_files[rel]
    manifest["version"] = load_manifest(new).get("version", "")
    (here / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return plan


def main(argv: list[str] | None = None) -> int:
    """Update the edition this script sits in from a new zip or folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", help="the new edition: a .zip file or a folder")
    parser.add_argument("--here", default=str(Path(__file__).resolve().parent), help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help="only list what would happen")
    parser.add_argument("--add-only", action="store_true", help="add new files; leave existing files alone")
    args = parser.parse_args(argv)
    here = Path(args.here)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(args.new)
        if source.is_file():
            with zipfile.ZipFile(source) as archive:
                for name in archive.namelist():
                    if not _safe(name):
                        raise SystemExit(f"refusing an unsafe path in the zip: {name}")
                archive.extractall(tmp)
            source = Path(tmp)
        new = find_edition(source)
        plan = plan_update(here, new, args.add_only) if args.dry_run else apply_update(here, new, args.add_only)
    for action, rel in plan:
        if action != "same":
            extra = f" (new version saved as {beside(Path(rel)).name})" if action == "kept yours" else ""
            print(f"{action:<11} {rel}{extra}")
    counts = {a: sum(1 for b, _ in plan if b == a) for a in ("added", "updated", "kept yours", "kept", "same")}
    print(", ".join(f"{n} {a}" for a, n in counts.items() if n) + (" (dry run: nothing changed)" if args.dry_run
                                                                    else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
