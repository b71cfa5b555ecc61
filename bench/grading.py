"""Grading: seconds per submission of ``dncourse grade`` against the floor of the same machinery.

In one process: a demo course with N synthetic learners' submissions of one
quiz is graded with :func:`dncourse.instructor.grading.grade_quiz` (what ``dncourse grade
QUIZ`` runs), and N one-cell notebooks are executed by nbgrader's own
``Execute`` preprocessor with the same configuration and the same (sandboxed)
grading kernel.  Half of the floor runs before the grading and half after, so
a machine that gets busier or quieter affects both alike.  The ratio of
seconds per submission to seconds per floor notebook is what grading adds to
starting and running a kernel: nbgrader's conversions and gradebook writes,
the reconciliation and the course's verification.  ``dncourse grade`` starts
each learner's kernel while nbgrader is busy with the learner before
(:mod:`dncourse.warm_kernels`); the same cohort is then graded again with
every kernel started when needed, as nbgrader alone does, and that figure is
reported beside it (the scores must be the same).

    python -m bench.grading --learners 100 [--quiz s01-what-is-dry-needling] --json OUT
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from dncourse.common import ROOT, Row, Timer, ratio, save_rows

TARGET = 1.25
QUIZ = "s01-what-is-dry-needling"


def make_demo_course(folder: Path, quiz: str, learners: int, db_url: str | None = None) -> Path:
    """A course in ``folder`` with ``quiz`` registered and ``learners`` demo submissions."""
    from dncourse.instructor.demo_cohort import make_demo_cohort
    from dncourse.instructor.nbgrader_course import open_course

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "source", folder / "source")
    if db_url:
        with (folder / "nbgrader_config.py").open("a", encoding="utf-8") as config:
            config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    api = open_course(folder)
    outcome = api.generate_assignment(quiz)
    if not outcome["success"]:
        raise RuntimeError(f"generate_assignment {quiz} failed: {outcome.get('error')}")
    make_demo_cohort(folder, quiz, learners)
    return folder


def floor_runs(root: Path, api, kernel: str | None, count: int, start: int = 0) -> list[float]:
    """Execute ``count`` one-cell notebooks with nbgrader's Execute preprocessor; seconds of each."""
    import nbformat
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    config = Config(api.config)
    config.merge(Config({"Execute": {"kernel_name": kernel or ""}}))
    times = []
    for i in range(start, start + count):
        folder = root / "bench-floor" / f"nb{i:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        with Timer() as t:
            Execute(config=config).preprocess(nb, {"metadata": {"path": str(folder)}})
        if nb.cells[0].get("execution_count") is None:
            raise RuntimeError("the floor notebook was not executed")
        times.append(t.seconds)
    return times


def timed_grade(root: Path, quiz: str, api, workers: int = 1, warm: bool = True) -> tuple[object, dict]:
    """``grade_quiz`` with its phases timed: (summary, {phase: seconds})."""
    from dncourse.instructor import grading

    phases = {}
    originals = {name: getattr(grading, name) for name in ("_reconcile", "_verify", "_autograde_in_workers")}

    def timed(name):
        def wrapper(*args, **kwargs):
            with Timer() as t:
                result = originals[name](*args, **kwargs)
            phases[name.strip("_")] = phases.get(name.strip("_"), 0.0) + t.seconds
            return result
        return wrapper

    for name in originals:
        setattr(grading, name, timed(name))
    try:
        with Timer() as total:
            summary = grading.grade_quiz(root, quiz, progress=False, api=api, workers=workers, warm=warm)
    finally:
        for name, original in originals.items():
            setattr(grading, name, original)
    phases["total"] = total.seconds
    phases["autograde"] = total.seconds - phases.get("reconcile", 0) - phases.get("verify", 0)
    return summary, phases


def bench_grading(learners: int, quiz: str) -> list[Row]:
    from dncourse.instructor.nbgrader_course import open_course
    from dncourse.instructor.integrity.sandbox import sandbox_kernel

    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-grading-"))
    try:
        root = make_demo_course(work / "course", quiz, learners)
        api = open_course(root)
        kernel = sandbox_kernel(root)
        floor_runs(root, api, kernel, 1, start=999)       # warm-up, not counted
        first = learners // 2
        floor = floor_runs(root, api, kernel, first)
        summary, phases = timed_grade(root, quiz, api)
        floor += floor_runs(root, api, kernel, learners - first, start=first)
        # For comparison: the same cohort graded again with every kernel started when it is needed.
        cold_summary, cold_phases = timed_grade(root, quiz, api, warm=False)
        for run in (summary, cold_summary):
            if len(run.graded) + sum(1 for p in run.problems if "autograde failed" in str(p)) != learners:
                raise RuntimeError(f"not every learner was graded:\n{run.report()}")
        if cold_summary.scores != summary.scores:
            raise RuntimeError("grading with and without warm kernels gave different scores")
        per_submission = phases["total"] / learners
        per_cold = cold_phases["total"] / learners
        per_floor = sum(floor) / len(floor)
        print(f"grading: {per_submission:.2f} s per submission ({per_cold:.2f} s with kernels started when needed), "
              f"floor {per_floor:.2f} s per notebook, ratio {per_submission / per_floor:.2f}", flush=True)
        extra = {"learners": learners, "quiz": quiz, "protection": summary.protection,
                 "graded": len(summary.graded), "problems": len(summary.problems),
                 "phases_per_submission": {k: v / learners for k, v in phases.items()},
                 "floor_runs": floor, "total_seconds": phases["total"],
                 "cold_seconds_per_submission": per_cold}
        return [Row("grading", f"dncourse grade, {learners} learners", ratio(per_submission, per_floor), TARGET,
                    per_submission, per_floor,
                    note="seconds per submission / seconds per one-cell notebook (same Execute, same kernel)",
                    extra=extra),
                Row("grading", f"dncourse grade, {learners} learners, kernels started when needed",
                    ratio(per_cold, per_floor), None, per_cold, per_floor,
                    note="the same, without starting each kernel one learner ahead (dncourse/warm_kernels.py)")]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--quiz", default=QUIZ)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    from dncourse.instructor.nbgrader_course import ensure_tools_on_path

    ensure_tools_on_path()
    rows = bench_grading(max(2, args.learners), args.quiz)
    save_rows(rows, args.json)
    print(json.dumps(rows[0].extra["phases_per_submission"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
