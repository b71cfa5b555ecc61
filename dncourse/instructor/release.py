"""Make ``release/`` from ``source/`` with nbgrader, exactly as nbgrader would.

``python -m dncourse.instructor.release`` (or ``make release``) regenerates every quiz's
student version.  The tests call :func:`generate_release` into a temporary
folder and compare it with the committed ``release/``, so the two can never
drift apart.  nbgrader is run with ``--no-db``: making the student version
needs no gradebook.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["COURSE_ROOT", "QUIZ_GLOB", "quiz_ids", "nbgrader_env", "generate_release"]

COURSE_ROOT = Path(__file__).resolve().parents[2]
QUIZ_GLOB = "s[0-9][0-9]-*"


def quiz_ids(root: Path = COURSE_ROOT) -> list[str]:
    """The quiz folders in ``source/``, in order (``s01-what-is-dry-needling``, ...)."""
    return sorted(p.name for p in (Path(root) / "source").glob(QUIZ_GLOB) if p.is_dir())


def nbgrader_env() -> dict[str, str]:
    """The environment for an nbgrader subprocess: this Python's bin/ first on PATH.

    nbgrader starts `alembic` and kernels as subprocesses and finds them on PATH.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def generate_release(root: Path = COURSE_ROOT, dest: Path | None = None,
                     quizzes: list[str] | None = None) -> Path:
    """Generate the student version of every quiz (or of ``quizzes``); return its folder.

    The work happens in a temporary copy of the course, so nothing in ``root``
    changes unless ``dest`` is given.  Then each generated quiz folder replaces
    the one of the same name in ``dest``; other quizzes in ``dest`` are kept
    only when ``quizzes`` names some, and removed when all are regenerated.
    """
    root = Path(root)
    known = quiz_ids(root)
    unknown = sorted(set(quizzes or []) - set(known))
    if unknown:
        raise ValueError(f"no quiz {', '.join(unknown)} in {root / 'source'}; the quizzes are: {', '.join(known)}")
    work = Path(tempfile.mkdtemp(prefix="dncourse-release-"))
    shutil.copy2(root / "nbgrader_config.py", work)
    shutil.copytree(root / "source", work / "source")
    for quiz in set(known) - set(quizzes or known):
        shutil.rmtree(work / "source" / quiz)  # generate only the quizzes asked for
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", QUIZ_GLOB, "--no-db", "--force"],
        cwd=work, env=nbgrader_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}\n{result.stderr}")
    made = work / "release"
    missing = sorted(set(quizzes or known) - {p.name for p in made.iterdir()})
    if missing:
        raise RuntimeError(f"nbgrader made no release for {', '.join(missing)}:\n{result.stderr}")
    if dest is None:
        return made
    dest = Path(dest)
    if not quizzes and dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for quiz in made.iterdir():
        if (dest / quiz.name).exists():
            shutil.rmtree(dest / quiz.name)
        shutil.copytree(quiz, dest / quiz.name)
    shutil.rmtree(work)
    return dest


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``release/`` (all quizzes, or those named) and say what was made."""
    quizzes = list(sys.argv[1:] if argv is None else argv)
    try:
        generate_release(COURSE_ROOT, COURSE_ROOT / "release", quizzes or None)
    except (ValueError, RuntimeError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    for quiz in quizzes or quiz_ids(COURSE_ROOT):
        print(f"release/{quiz}: generated from source/{quiz}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
