"""Make ``release/`` from ``source/`` with nbgrader, exactly as nbgrader would.

``python -m dncourse.release`` (or ``make release``) regenerates every quiz's
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

COURSE_ROOT = Path(__file__).resolve().parent.parent
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


def generate_release(root: Path = COURSE_ROOT, dest: Path | None = None) -> Path:
    """Generate the student version of every quiz; return the folder holding it.

    The work happens in a temporary copy of the course, so nothing in ``root``
    changes unless ``dest`` is given, in which case ``dest`` is replaced by the
    new release folder.
    """
    root = Path(root)
    work = Path(tempfile.mkdtemp(prefix="dncourse-release-"))
    shutil.copy2(root / "nbgrader_config.py", work)
    shutil.copytree(root / "source", work / "source")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", QUIZ_GLOB, "--no-db", "--force"],
        cwd=work, env=nbgrader_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}\n{result.stderr}")
    made = work / "release"
    missing = sorted(set(quiz_ids(root)) - {p.name for p in made.iterdir()})
    if missing:
        raise RuntimeError(f"nbgrader made no release for {', '.join(missing)}:\n{result.stderr}")
    if dest is None:
        return made
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(made, dest)
    shutil.rmtree(work)
    return dest


def main() -> int:
    """Regenerate ``release/`` in the course folder and say what was made."""
    dest = generate_release(COURSE_ROOT, COURSE_ROOT / "release")
    for quiz in sorted(p.name for p in dest.iterdir()):
        print(f"release/{quiz}: generated from source/{quiz}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
