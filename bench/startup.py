"""The fixed start-up cost of ``dncourse grade``, phase by phase, against importing nbgrader alone.

A small course is made once; then fresh processes run exactly what
``dncourse grade QUIZ`` does before it grades the first learner (the command
line, nbgrader's API, the course's configuration, the gradebook check, the
grading sandbox), each phase timed.  The floor is a fresh process that only
imports nbgrader's API (``from nbgrader.apps import NbGraderAPI``), the least
any nbgrader tool pays.  Runs alternate; medians are reported.  The run
without ``dncourse.fastimport`` shows what putting off the IRI grammar saves.

    python -m bench.startup [--repeats 5] --json OUT
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from dncourse.common import PYTHON, ROOT, Row, Timer, median, ratio, save_rows, tool_env
from dncourse.instructor.grading import QUIZ, make_demo_course

TARGET = 1.25
# What `dncourse grade` does before the first learner, phase by phase (see dncourse/instructor/cli.py and grading.py).
_PHASES = r"""
import json, sys, time
marks = [("start", time.perf_counter())]
def mark(name): marks.append((name, time.perf_counter()))
root, quiz, defer = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
import dncourse.instructor.cli
if defer:
    from dncourse.fastimport import defer_iri_grammar
    defer_iri_grammar()
mark("import dncourse.instructor.cli")
import nbgrader.apps
mark("import nbgrader")
from dncourse.instructor.nbgrader_course import open_course
api = open_course(root)
mark("course configuration and nbgrader API")
from dncourse.instructor.grading import _check_gradebook, submitted_learners, expected_notebooks
_check_gradebook(__import__("pathlib").Path(root), quiz, api.coursedir.db_url, 1)
submitted_learners(root, quiz); expected_notebooks(root, quiz)
mark("gradebook check")
from dncourse.instructor.integrity.sandbox import sandbox_kernel
sandbox_kernel(root)
mark("grading sandbox")
import tqdm
mark("progress bar")
print("@@" + json.dumps({b[0]: b[1] - a[1] for a, b in zip(marks, marks[1:])}))
"""


def _run(args: list[str]) -> tuple[float, str]:
    with Timer() as t:
        result = subprocess.run([PYTHON, *args], cwd=ROOT, env=tool_env(), capture_output=True, text=True,
                                timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed:\n{result.stderr[-2000:]}")
    return t.seconds, result.stdout


def bench_startup(repeats: int) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-startup-"))
    try:
        root = make_demo_course(work / "course", QUIZ, 1)
        floor_code = ["-c", "from nbgrader.apps import NbGraderAPI"]
        ours = ["-c", _PHASES, str(root), QUIZ, "1"]
        plain = ["-c", _PHASES, str(root), QUIZ, "0"]
        _run(floor_code), _run(ours), _run(["-c", "pass"])   # warm-up
        walls = {"ours": [], "plain": [], "floor": [], "python": []}
        phases: dict[str, list[float]] = {}
        for r in range(repeats):
            order = [("ours", ours), ("floor", floor_code), ("plain", plain), ("python", ["-c", "pass"])]
            for kind, args in (order if r % 2 == 0 else order[::-1]):
                seconds, out = _run(args)
                walls[kind].append(seconds)
                if kind == "ours":
                    for name, value in json.loads(out.split("@@", 1)[1]).items():
                        phases.setdefault(name, []).append(value)
        wall = {k: median(v) for k, v in walls.items()}
        breakdown = {"Python interpreter": wall["python"], **{k: median(v) for k, v in phases.items()}}
        print("start-up of dncourse grade: " + ", ".join(f"{k} {v:.2f} s" for k, v in breakdown.items()), flush=True)
        extra = {"breakdown": breakdown, "without_fastimport": wall["plain"],
                 "saved_by_fastimport": wall["plain"] - wall["ours"], "runs": walls}
        return [Row("grading", "start-up of dncourse grade (fixed)", ratio(wall["ours"], wall["floor"]), TARGET,
                    wall["ours"], wall["floor"],
                    note="before the first learner / a process that only imports nbgrader's API", extra=extra)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    from dncourse.instructor.nbgrader_course import ensure_tools_on_path

    ensure_tools_on_path()
    rows = bench_startup(max(1, args.repeats))
    save_rows(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
