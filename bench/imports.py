"""Import: ``import dncourse`` is light; heavy libraries load when first needed.

Each figure is the wall time of a fresh ``python -c "import X"`` divided by a
fresh ``python -c "pass"`` (the interpreter's own start), medians of
alternating runs.  ``dncourse.answers`` is what every quiz kernel imports, in
every learner's kernel and every grading kernel.  The modules each import
pulls in are listed with the heavy libraries among them (matplotlib,
ipywidgets, nbgrader, jsonschema, numpy...), which should be none.

    python -m bench.imports [--repeats 15] --json OUT
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from bench.common import PYTHON, ROOT, TARGETS, Row, Timer, median, ratio, save_rows, tool_env

HEAVY = ("matplotlib", "ipywidgets", "IPython", "nbgrader", "nbconvert", "nbformat", "jsonschema", "numpy",
         "PIL", "traitlets", "sqlalchemy", "tqdm", "jupyter_client", "zmq", "tornado")
# What each import must stay within, as a multiple of the interpreter's own start.  Only the package
# itself has a target; the others are reported (their point is that they pull in no heavy library:
# every quiz kernel imports dncourse.answers; the command line goes on to import nbgrader anyway).
MODULE_TARGETS = {"dncourse": TARGETS["imports"], "dncourse.answers": None, "dncourse.instructor.cli": None}
_LIST = "import sys, json; {stmt}; print(json.dumps(sorted(sys.modules)))"


def _python(code: str) -> tuple[float, str, str]:
    """Run ``python -c CODE`` in a fresh process: (seconds, stdout, stderr)."""
    cmd = [PYTHON, "-c", code]
    with Timer() as t:
        result = subprocess.run(cmd, cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{result.stderr[-2000:]}")
    return t.seconds, result.stdout, result.stderr


def modules_after(statement: str) -> list[str]:
    """The modules loaded in a fresh Python after ``statement``."""
    _, out, _ = _python(_LIST.format(stmt=statement))
    return json.loads(out)


def bench_imports(repeats: int) -> list[Row]:
    """One row per module of :data:`MODULE_TARGETS`: median import time / median interpreter start."""
    baseline = set(modules_after("pass"))
    rows = []
    for module, target in MODULE_TARGETS.items():
        stmt = f"import {module}"
        for _ in range(2):   # warm-up: byte code and page cache
            _python(stmt)
            _python("pass")
        course, floor = [], []
        for r in range(repeats):
            pair = [(stmt, course), ("pass", floor)]
            for code, times in (pair if r % 2 == 0 else pair[::-1]):
                times.append(_python(code)[0])
        pulled = sorted(set(modules_after(stmt)) - baseline)
        heavy = sorted({m.split(".")[0] for m in pulled if m.split(".")[0] in HEAVY})
        ours = [m for m in pulled if m.split(".")[0] == "dncourse"]
        other = sorted({m.split(".")[0] for m in pulled if m.split(".")[0] != "dncourse"})
        note = (f"pulls in {len(pulled)} modules ({len(ours)} of dncourse); heavy libraries: "
                f"{', '.join(heavy) if heavy else 'none'}")
        rows.append(Row("import", stmt, ratio(median(course), median(floor)), target, median(course), median(floor),
                        note=note, extra={"modules": pulled, "heavy": heavy, "other_packages": other,
                                          "runs": course, "floor_runs": floor}))
        print(f"{stmt}: {median(course) * 1000:.0f} ms vs python {median(floor) * 1000:.0f} ms; {note}", flush=True)
    return rows


def main(argv=None) -> int:
    """``python -m bench.imports``: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = bench_imports(max(1, args.repeats))
    save_rows(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
