"""Lessons: headless execution time of each lesson divided by that of its floor notebook.

The floor notebook of a lesson only imports what the lesson imports: every
module that running the lesson loads into its kernel (directly, through the
course package, or lazily when a figure or widget first needs matplotlib or
ipywidgets), beyond what a bare kernel already has.  Both are executed the
same way (nbclient, a fresh ``python3`` kernel each, as ``tests/test_execute.py``
does), alternately, and the ratio of the medians is reported.  What is left
above 1 is the lesson's own work: reading data, drawing figures, building
widgets.  The modules are those of the lesson's second run: the first run on
a machine may also import jsonschema to check data files that later runs do
not check again (``dncourse/validated.py``), and draws the figures whose
pictures later runs show without matplotlib (``dncourse/pictures.py``).
Notes and pictures are kept in a cache folder of the benchmark's own.

    python -m bench.lessons [--lessons 00-start-here,...] [--repeats 3] --json OUT
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path

from dncourse.common import lesson_part_main, ROOT, Row, Timer, median, ratio, tests_module

TARGET = 1.5
# The modules loaded in the kernel; a stand-in put there by dncourse.fastimport is marked with a "~".
_DUMP = ("import sys as _s, json as _j\nprint('@@MODULES@@' + _j.dumps(["
         "('~' if getattr(_m, '__dncourse_deferred__', False) else '') + _n for _n, _m in list(_s.modules.items())]))")


def _code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _headless():
    return tests_module("headless")  # the tests' way of running a notebook (tests/headless.py)


def _execute(nb: dict, folder: Path, tries: int = 3) -> tuple[float, dict]:
    """Seconds to execute ``nb`` in a fresh kernel, and the executed notebook.

    On a busy machine a kernel very rarely stops answering; such a run is
    timed out after two minutes and tried again (the time of the run that
    completed is the one reported).
    """
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    for attempt in range(tries):
        node = nbformat.reads(json.dumps(nb), as_version=4)
        client = _headless().notebook_client(node, timeout=120, startup_timeout=120, kernel_name="python3",
                                             resources={"metadata": {"path": str(folder)}})
        try:
            with Timer() as t:
                client.execute()
            break
        except (CellTimeoutError, DeadKernelError, TimeoutError, RuntimeError) as exc:
            if attempt == tries - 1:
                raise
            print(f"a run did not finish ({exc.__class__.__name__}); trying again", flush=True)
    for i, cell in enumerate(node.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise RuntimeError(f"cell {i} failed: {out.get('ename')}: {out.get('evalue')}")
    return t.seconds, node


def _modules(node) -> list[str]:
    for out in node.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if "@@MODULES@@" in text:
            return json.loads(text.split("@@MODULES@@", 1)[1])
    raise RuntimeError("the module list was not printed")


def floor_notebook(lesson: dict, modules: list[str]) -> dict:
    """A one-cell notebook that imports ``modules`` (in the order the lesson loaded them)."""
    deferred = [m[1:] for m in modules if m.startswith("~")]
    modules = [m for m in modules if not m.startswith("~")]
    source = "# Floor: only the imports of the lesson, nothing else\nimport importlib as _il\n"
    if deferred:   # the lesson put off building the IRI grammar (dncourse.fastimport): so does the floor
        source += "from dncourse.fastimport import defer_iri_grammar\ndefer_iri_grammar()\n"
    source += (f"for _name in {modules!r}:\n    try:\n        _il.import_module(_name)\n"
               "    except Exception:\n        pass\n")
    nb = copy.deepcopy(lesson)
    nb["cells"] = [_code_cell(source)]
    return nb


def bench_lessons(names: list[str] | None, repeats: int) -> list[Row]:
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if names:
        paths = [p for p in paths if p.stem in names or any(p.stem.startswith(n) for n in names)]
    if not paths:
        raise SystemExit(f"no lesson matches {names}")
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-lessons-"))
    os.environ["DNCOURSE_CACHE_DIR"] = str(work / "cache")   # notes and pictures of this run's own
    try:
        folder = work / "notebooks"
        shutil.copytree(ROOT / "notebooks", folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        bare = json.loads(paths[0].read_text(encoding="utf-8"))
        bare["cells"] = [_code_cell(_DUMP)]
        _, node = _execute(bare, folder)
        baseline = set(_modules(node))
        rows = []
        for path in paths:
            lesson = json.loads(path.read_text(encoding="utf-8"))
            probe = copy.deepcopy(lesson)
            probe["cells"].append(_code_cell(_DUMP))
            # Twice: the first run (also a warm-up: files are in the page cache afterwards) checks data
            # files against their schemas and draws the figures, which later runs skip (they show the
            # kept pictures); the floor imports what those later runs load.
            _execute(probe, folder)
            _, node = _execute(probe, folder)
            modules = [m for m in _modules(node) if m not in baseline and not m.startswith("__")]
            real = [m for m in modules if not m.startswith("~")]
            floor = floor_notebook(lesson, modules)
            lesson_times, floor_times = [], []
            for r in range(repeats):
                order = [("lesson", lesson), ("floor", floor)]
                for kind, nb in (order if r % 2 == 0 else order[::-1]):
                    seconds, _ = _execute(nb, folder)
                    (lesson_times if kind == "lesson" else floor_times).append(seconds)
            course, base = median(lesson_times), median(floor_times)
            heavy = sorted({m.split(".")[0] for m in real if m.split(".")[0] in
                            ("matplotlib", "ipywidgets", "jsonschema", "numpy", "PIL", "nbgrader")})
            rows.append(Row("lessons", path.stem, ratio(course, base), TARGET, course, base,
                            note=f"{len(real)} modules imported by the lesson; floor imports them too",
                            extra={"lesson_runs": lesson_times, "floor_runs": floor_times,
                                   "modules": len(real), "heavy_packages": heavy}))
            print(f"{path.stem}: lesson {course:.2f} s, floor {base:.2f} s, ratio {rows[-1].ratio:.2f}", flush=True)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    return lesson_part_main(bench_lessons, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
