"""Draw the lessons' figures once, at set-up, so that every lesson opens with kept pictures.

A lesson shows the pictures of its figures kept from an earlier drawing
(:mod:`dncourse.pictures`), and then needs no matplotlib to come alive.  The
first time a lesson runs on a machine it has to draw them.  ``make lab`` and
Binder's ``postBuild`` run this module so that even that first time is quick:
it runs every lesson that draws figures once, headless (nbclient, a fresh
kernel each, in a scratch folder), which keeps the pictures of its figures
and of its widgets' opening charts.

    python -m dncourse.predraw [NOTEBOOK ...]     default: every lesson in notebooks/

Exit status 0 when every lesson ran; 1 (with the lesson and the error named)
when one did not: that lesson will then draw its figures when it is opened,
and nothing else changes.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["LESSONS", "drawing_lessons", "main", "predraw"]

LESSONS = Path(__file__).resolve().parent.parent / "notebooks"


def drawing_lessons(folder: Path = LESSONS) -> list[Path]:
    """The lessons in ``folder`` whose code uses the course's figures."""
    from .preload import modules_for

    return [path for path in sorted(Path(folder).glob("*.ipynb")) if modules_for(path)[1]]


def predraw(paths: list[Path], timeout: int = 300) -> list[str]:
    """Run each notebook in ``paths`` once; return one message per notebook that failed."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    problems = []
    scratch = Path(tempfile.mkdtemp(prefix="dncourse-predraw-"))
    try:
        for path in paths:
            try:
                nb = nbformat.read(path, as_version=4)
                NotebookClient(nb, timeout=timeout, resources={"metadata": {"path": str(scratch)}}).execute()
            except CellExecutionError as exc:
                problems.append(f"{path.name}: a cell failed: {exc.ename}: {exc.evalue}")
            except Exception as exc:  # a missing kernel, an unreadable file: say which lesson and why
                problems.append(f"{path.name}: {type(exc).__name__}: {exc}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m dncourse.predraw``."""
    from .pictures import folder

    parser = argparse.ArgumentParser(prog="python -m dncourse.predraw", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to run; default: every lesson that draws")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        print(f"predraw: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    where = folder()
    if where is None:
        print("predraw: DNCOURSE_CACHE_DIR is empty, so no picture would be kept; nothing to do.")
        return 0
    paths = args.notebooks or drawing_lessons()
    started = time.perf_counter()
    problems = predraw(paths)
    kept = len(list(where.glob("*.svg"))) if where.is_dir() else 0
    print(f"predraw: ran {len(paths) - len(problems)} of {len(paths)} lessons in "
          f"{time.perf_counter() - started:.0f} s; {kept} pictures kept in {where}")
    for problem in problems:
        print(f"predraw: {problem} (that lesson will draw its figures when opened)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
