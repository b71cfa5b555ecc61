"""Build the learner edition: the course as learners and public hosting should get it.

It holds the lessons, the student versions of the quizzes, the course package
as lessons and quizzes use it, the environment and the Binder and JupyterLab
settings files, and nothing that gives answers away or is for staff only: no
``source/`` (solutions, hidden tests, mark schemes), no gradebook, no
learners' work, no instructor configuration (``nbgrader_config.py``: a
learner's Validate runs with nbgrader's defaults), no tests, and none of the
package's instructor tools (``dncourse/instructor/``: grading, the integrity
checks) or its headless runner for tests (``dncourse/runner.py``).  Its
``pyproject.toml`` installs the package without the instructor's command.  ``python -m dncourse.instructor.learner_edition OUT`` (or ``make learner-edition``)
writes it to OUT; the tests plant canaries in every secret and check that none
of them reaches it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dncourse.instructor.release import COURSE_ROOT

__all__ = ["INCLUDE", "NEVER", "PACKAGE_LEFT_OUT", "build_learner_edition"]

#: Paths copied from the course folder when they exist (folders recursively).
INCLUDE = ["notebooks", "release", "environment.yml", "postBuild", "pyproject.toml", "jupyter",
           "tools/pins.py"]
#: Names that must never be in the edition, wherever they appear.
NEVER = {"source", "gradebook.db", "submitted", "autograded", "feedback", "downloaded", "exchange",
         "nbgrader_config.py", "tests", "reports", "__pycache__", ".ipynb_checkpoints"}
#: Parts of the course package (relative to ``dncourse/``) that learners never use.
PACKAGE_LEFT_OUT = ["instructor", "runner.py"]
#: Tables of pyproject.toml left out of the edition's copy: the instructor's command, the tests' settings.
PYPROJECT_LEFT_OUT = {"project.scripts", "tool.pytest.ini_options"}

_README = """# Dry Needling: Benefits and Safety (learner edition)

A self-paced JupyterLab course for clinic staff on what dry needling can and cannot do, and how it is done safely.
Start with `notebooks/00-start-here.ipynb`. Quizzes are in `release/`: answer them, then submit as your instructor says.

*Educational material only: it does not replace supervised, hands-on training. Who may dry needle, and how, is set by
the law where you work, your profession's scope of practice and your employer's policy.*

## Sections

{course_map}

## Run it

- On Binder: open this folder's repository on mybinder.org with `urlpath=lab/tree/notebooks/00-start-here.ipynb`.
- On your own machine with Python 3.11: `python3.11 -m venv .venv && .venv/bin/pip install -r <(.venv/bin/python tools/pins.py) -e . && .venv/bin/jupyter lab notebooks/00-start-here.ipynb`
"""


def _ignore(_folder, names):
    return [n for n in names if n in NEVER or n.endswith((".pyc", ".db"))]


def _package_ignore(package: Path):
    """A copytree ``ignore`` for the course package: NEVER names and :data:`PACKAGE_LEFT_OUT`."""
    left_out = {(package / part).resolve() for part in PACKAGE_LEFT_OUT}

    def ignore(folder, names):
        return _ignore(folder, names) + [n for n in names if (Path(folder) / n).resolve() in left_out]
    return ignore


def learner_pyproject(text: str) -> str:
    """``pyproject.toml`` text without the tables in :data:`PYPROJECT_LEFT_OUT`."""
    out, keep = [], True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]") and not stripped.startswith("[["):
            keep = stripped.strip("[]").strip() not in PYPROJECT_LEFT_OUT
        if keep:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


def build_learner_edition(out: Path, root: Path = COURSE_ROOT) -> Path:
    """Write the learner edition of the course in ``root`` to ``out`` (replaced if it exists)."""
    from dncourse.content.course import course_map_markdown

    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root in out.parents and out.parts[len(root.parts)] in ("source", "release", "notebooks"):
        raise ValueError(f"choose an output folder outside the course's own folders, not {out}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in INCLUDE:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, out / name, ignore=_ignore)
        elif src.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / name)
    package = Path(__file__).resolve().parents[1]
    shutil.copytree(package, out / "dncourse", ignore=_package_ignore(package))
    if (out / "pyproject.toml").exists():
        pyproject = out / "pyproject.toml"
        pyproject.write_text(learner_pyproject(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    (out / "README.md").write_text(_README.format(course_map=course_map_markdown()), encoding="utf-8")
    leaked = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name in NEVER)
    leaked += [f"dncourse/{part}" for part in PACKAGE_LEFT_OUT if (out / "dncourse" / part).exists()]
    if leaked:
        shutil.rmtree(out)
        raise RuntimeError(f"refusing to build: instructor-only files would be included: {leaked}")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dncourse.instructor.learner_edition OUT``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m dncourse.instructor.learner_edition OUTPUT_FOLDER", file=sys.stderr)
        return 2
    try:
        out = build_learner_edition(Path(args[0]))
    except (ValueError, RuntimeError) as exc:
        print(f"learner-edition: {exc}", file=sys.stderr)
        return 2
    print(f"Learner edition written to {out} (no source/, solutions, hidden tests, mark schemes, gradebook "
          "or instructor tools).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
