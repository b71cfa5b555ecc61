"""The learner's own folder for ``make lab``: the lessons and the student quizzes, nothing else.

``make lab`` serves this folder (``my-course/`` in the course folder), not the
course folder itself, so a learner on their own computer sees ``notebooks/``
(the lessons) and ``release/`` (the quizzes as nbgrader releases them), never
``source/`` with its answers, and their answers never touch the committed
files.  Each run copies in what is missing, so new lessons and quizzes
arrive, and never overwrites a file that is already there: nothing a learner
wrote is lost.  ``python -m dncourse.learner_folder FOLDER`` does it from the
shell.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

__all__ = ["COURSE_ROOT", "prepare_learner_folder"]

#: The course folder (the checkout), where ``notebooks/`` and ``release/`` are.
COURSE_ROOT = Path(__file__).resolve().parents[1]


def _copies(root: Path) -> list[Path]:
    """The files a learner gets, relative to ``root``: the lessons and the released quizzes."""
    files = sorted((root / "notebooks").glob("*.ipynb")) + sorted((root / "release").glob("s[0-9][0-9]-*/*.ipynb"))
    return [path.relative_to(root) for path in files]


def prepare_learner_folder(target: Path, root: Path = COURSE_ROOT) -> list[Path]:
    """Copy into ``target`` every lesson and quiz it does not have yet; return what was copied.

    Files already in ``target`` are left exactly as they are, even when the
    course's copy is newer: delete one to get the course's current version.
    """
    root, target = Path(root).resolve(), Path(target).resolve()
    if target == root or target in (root / "notebooks", root / "release", root / "source"):
        raise ValueError(f"the learner's folder must be a folder of its own, not {target}")
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} is a file, not a folder")
    files = _copies(root)
    if not files:
        raise ValueError(f"no lessons or quizzes found in {root}: is this the course folder?")
    added = []
    for relative in files:
        destination = target / relative
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / relative, destination)
        added.append(relative)
    return added


def main(argv: list[str] | None = None) -> int:
    """``python -m dncourse.learner_folder FOLDER``: prepare the folder and say what was added."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dncourse.learner_folder FOLDER", file=sys.stderr)
        return 2
    try:
        added = prepare_learner_folder(Path(args[0]))
    except (ValueError, OSError) as problem:
        print(f"learner folder: {problem}", file=sys.stderr)
        return 2
    if added:
        print(f"{args[0]}: added {len(added)} lesson and quiz file(s); files already there were left as they are.")
    else:
        print(f"{args[0]}: up to date; your work in it was left as it is.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
