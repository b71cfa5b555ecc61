"""Lessons, headless: the time to run each lesson divided by the time to run its floor notebook.

A lesson's floor is a one-cell notebook that only imports what the lesson
imports: every module that running the lesson loads into its kernel
(directly, through the course package, or when a figure or widget first needs
matplotlib or ipywidgets) beyond what a bare kernel of the same kernelspec
already has, in the order the lesson loaded them.  Both run the same way,
through the course's one headless runner (:func:`dncourse.runner.run_notebook`,
a fresh ``python3`` kernel each, in a copy of ``notebooks/``), alternately; the
ratio of the medians is reported.  What is left above 1 is the lesson's own
work: reading data, drawing its figures (every run draws them: nothing is
kept between runs), building widgets.

    python -m bench.lessons [--lessons 00-start-here,...] [--repeats 3] --json OUT
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

from bench.common import ROOT, TARGETS, Row, Timer, lesson_part_main, lesson_paths, median, ratio

TARGET = TARGETS["lessons"]
HEAVY = ("matplotlib", "ipywidgets", "jsonschema", "numpy", "PIL", "nbgrader")
# Prints the names of the modules loaded in the kernel.
DUMP_MODULES = "import sys as _s, json as _j\nprint('@@MODULES@@' + _j.dumps(list(_s.modules)))"
# Seconds one run of a lesson or a floor may take before it counts as failed.
TIME_LIMIT = 300


def code_cell(source: str) -> dict:
    """A fresh code cell holding ``source``."""
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def execute(nb: dict, folder: Path) -> tuple[float, object]:
    """Seconds to run ``nb`` (a notebook as a dict) in a fresh kernel in ``folder``, and the run notebook.

    A cell error or a run over :data:`TIME_LIMIT` raises: a benchmark of a
    lesson that does not run would mean nothing.
    """
    import nbformat

    from dncourse.runner import run_notebook

    node = nbformat.reads(json.dumps(nb), as_version=4)
    with Timer() as t:
        node = run_notebook(node, cwd=folder, time_limit=TIME_LIMIT)
    return t.seconds, node


def loaded_modules(node) -> list[str]:
    """The module names printed by the :data:`DUMP_MODULES` cell at the end of a run notebook."""
    for out in node.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if "@@MODULES@@" in text:
            return json.loads(text.split("@@MODULES@@", 1)[1])
    raise RuntimeError("the kernel did not print its list of modules")


def floor_notebook(lesson: dict, modules: list[str]) -> dict:
    """A one-cell notebook with ``lesson``'s metadata that imports ``modules`` in that order, and nothing else."""
    source = ("# Floor: only the imports of the lesson, nothing else\nimport importlib as _il\n"
              f"for _name in {modules!r}:\n    try:\n        _il.import_module(_name)\n"
              "    except Exception:\n        pass\n")
    nb = copy.deepcopy(lesson)
    nb["cells"] = [code_cell(source)]
    return nb


def bench_lessons(names: list[str] | None, repeats: int) -> list[Row]:
    """One row per lesson: median lesson time / median floor time over ``repeats`` alternating runs."""
    paths = lesson_paths(names)
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-lessons-"))
    try:
        folder = work / "notebooks"
        shutil.copytree(ROOT / "notebooks", folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        bare = json.loads(paths[0].read_text(encoding="utf-8"))
        bare["cells"] = [code_cell(DUMP_MODULES)]
        baseline = set(loaded_modules(execute(bare, folder)[1]))
        rows = []
        for path in paths:
            lesson = json.loads(path.read_text(encoding="utf-8"))
            probe = copy.deepcopy(lesson)
            probe["cells"].append(code_cell(DUMP_MODULES))
            # Also a warm-up, not counted: afterwards the lesson's files are in the page cache.
            modules = [m for m in loaded_modules(execute(probe, folder)[1])
                       if m not in baseline and not m.startswith("__")]
            floor = floor_notebook(lesson, modules)
            lesson_times, floor_times = [], []
            for r in range(repeats):
                order = [(lesson, lesson_times), (floor, floor_times)]
                for nb, times in (order if r % 2 == 0 else order[::-1]):
                    times.append(execute(nb, folder)[0])
            course, base = median(lesson_times), median(floor_times)
            heavy = sorted({m.split(".")[0] for m in modules if m.split(".")[0] in HEAVY})
            row = Row("lessons", path.stem, ratio(course, base), TARGET, course, base,
                      note=f"{len(modules)} modules imported by the lesson; its floor imports them too",
                      extra={"lesson_runs": lesson_times, "floor_runs": floor_times, "modules": len(modules),
                             "heavy_packages": heavy})
            rows.append(row)
            print(f"{path.stem}: lesson {course:.2f} s, floor {base:.2f} s, ratio {row.ratio:.2f}", flush=True)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    """``python -m bench.lessons``: see the module's docstring."""
    return lesson_part_main(bench_lessons, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
