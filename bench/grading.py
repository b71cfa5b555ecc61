"""Grading: ``dncourse grade QUIZ`` against plain ``nbgrader autograde QUIZ`` on the same submissions.

A throw-away course is made once: ``nbgrader_config.py`` and ``source/``
copied to a temporary folder, ``nbgrader generate_assignment QUIZ``, then N
demo learners' submissions (:func:`dncourse.instructor.demo_cohort.make_demo_cohort`).
Each timed run grades a fresh copy of that course in a fresh process, with
this Python's ``bin/`` first on PATH:

* ``python -m dncourse.instructor.cli --course COPY grade QUIZ --no-progress``
  (what the ``dncourse grade`` command runs): every learner's kernel in the
  grading sandbox where bubblewrap is installed, then reconciliation and the
  verification of every score without running learner code;
* ``nbgrader autograde QUIZ`` in the copy: nbgrader alone, no sandbox, no
  verification.

The two alternate; the ratio of the medians of the whole wall time is
reported (start-up included: both start Python and nbgrader).  Both must have
graded every learner, or the part fails.

    python -m bench.grading [--learners 20] [--repeats 3] [--quiz s01-what-is-dry-needling] --json OUT
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.common import PYTHON, ROOT, TARGETS, Row, Timer, median, ratio, save_rows, tool_env

TARGET = TARGETS["grading"]
QUIZ = "s01-what-is-dry-needling"
# Seconds one grading run may take before the part fails.
TIME_LIMIT = 1800


def _run(cmd: list[str], cwd: Path, ok=(0,)) -> tuple[float, str]:
    """Run ``cmd`` in ``cwd`` with the tools on PATH; (seconds, output).  Another exit status raises."""
    with Timer() as t:
        result = subprocess.run(cmd, cwd=cwd, env=tool_env(), text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=TIME_LIMIT)
    if result.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:6])} failed with exit status {result.returncode}:\n"
                           + "\n".join(result.stdout.splitlines()[-25:]))
    return t.seconds, result.stdout


def nbgrader_command() -> str:
    """The ``nbgrader`` command of this Python's environment."""
    tool = Path(PYTHON).parent / "nbgrader"
    if not tool.exists():
        raise RuntimeError(f"nbgrader is not installed beside {PYTHON}")
    return str(tool)


def make_course(folder: Path, quiz: str, learners: int) -> Path:
    """A throw-away course in ``folder``: config and source copied, ``quiz`` generated, demo submissions."""
    from dncourse.instructor.demo_cohort import make_demo_cohort

    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "source", folder / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _run([nbgrader_command(), "generate_assignment", quiz], folder)
    make_demo_cohort(folder, quiz, learners)
    return folder


def graded_learners(course: Path, quiz: str) -> list[str]:
    """The learners with an autograded notebook of ``quiz`` in ``course``."""
    return sorted(p.parent.parent.name for p in course.glob(f"autograded/*/{quiz}/*.ipynb"))


def grade_with_dncourse(course: Path, quiz: str) -> tuple[float, str]:
    """Seconds for ``dncourse grade QUIZ`` in ``course`` (exit status 1, "needs attention", is a finished run)."""
    return _run([PYTHON, "-m", "dncourse.instructor.cli", "--course", str(course), "grade", quiz, "--no-progress"],
                course, ok=(0, 1))


def grade_with_nbgrader(course: Path, quiz: str) -> tuple[float, str]:
    """Seconds for plain ``nbgrader autograde QUIZ`` in ``course``."""
    return _run([nbgrader_command(), "autograde", quiz], course)


def bench_grading(learners: int, repeats: int, quiz: str) -> list[Row]:
    """One row: median ``dncourse grade`` time / median ``nbgrader autograde`` time on ``learners`` submissions."""
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-grading-"))
    try:
        template = make_course(work / "template", quiz, learners)
        expected = sorted(p.name for p in (template / "submitted").iterdir())
        ours, plain = [], []
        output = ""
        for r in range(repeats):
            order = [("dncourse", ours), ("nbgrader", plain)]
            for kind, times in (order if r % 2 == 0 else order[::-1]):
                course = work / f"{kind}-{r}"
                shutil.copytree(template, course)
                seconds, out = (grade_with_dncourse if kind == "dncourse" else grade_with_nbgrader)(course, quiz)
                graded = graded_learners(course, quiz)
                if graded != expected:
                    raise RuntimeError(f"{kind} graded {len(graded)} of {len(expected)} learners:\n{out[-3000:]}")
                times.append(seconds)
                if kind == "dncourse":
                    output = out
                shutil.rmtree(course, ignore_errors=True)
        course_s, floor_s = median(ours), median(plain)
        sandboxed = "bubblewrap sandbox" in output
        row = Row("grading", f"dncourse grade, {learners} submissions", ratio(course_s, floor_s), TARGET, course_s,
                  floor_s, note="whole command, sandbox and verification included / plain nbgrader autograde",
                  extra={"learners": learners, "quiz": quiz, "dncourse_runs": ours, "nbgrader_runs": plain,
                         "sandboxed": sandboxed, "per_submission": course_s / learners,
                         "nbgrader_per_submission": floor_s / learners})
        print(f"grading {learners} submissions: dncourse grade {course_s:.1f} s "
              f"({'sandboxed' if sandboxed else 'NOT sandboxed'}), nbgrader autograde {floor_s:.1f} s, "
              f"ratio {row.ratio:.2f}", flush=True)
        return [row]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    """``python -m bench.grading``: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quiz", default=QUIZ)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    if not (ROOT / "source" / args.quiz).is_dir():
        parser.error(f"no quiz {args.quiz!r} in source/")
    save_rows(bench_grading(max(1, args.learners), max(1, args.repeats), args.quiz), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
