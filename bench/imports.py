"""Import: ``import dncourse`` is light; heavy libraries load when first needed.

Each figure is the wall time of a fresh ``python -c "import X"`` divided by a
fresh ``python -c "pass"`` (the interpreter's own start), medians of
alternating runs.  The modules each import pulls in are listed, and the heavy
libraries (matplotlib, ipywidgets, nbgrader, jsonschema, numpy...) must not be
among them.  A second table shows where the seconds of starting nbgrader go
(``python -X importtime``), which ``dncourse grade`` and every grading worker
pay once.

    python -m bench.imports [--repeats 15] --json OUT
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from dncourse.common import PYTHON, ROOT, Row, Timer, median, ratio, save_rows, tool_env

HEAVY = ("matplotlib", "ipywidgets", "IPython", "nbgrader", "nbconvert", "nbformat", "jsonschema", "numpy",
         "PIL", "traitlets", "sqlalchemy", "tqdm", "jupyter_client", "zmq", "tornado")
# What each import must stay within, as a multiple of the interpreter's own start.  Only the package
# itself has a target; the others are reported (their point is that they pull in no heavy library:
# every quiz kernel imports dncourse.answers; the command line goes on to import nbgrader anyway).
TARGETS = {"dncourse": 1.25, "dncourse.answers": None, "dncourse.instructor.cli": None}
_LIST = "import sys, json; {stmt}; print(json.dumps(sorted(sys.modules)))"


def _python(code: str, importtime: bool = False) -> tuple[float, str, str]:
    cmd = [PYTHON] + (["-X", "importtime"] if importtime else []) + ["-c", code]
    with Timer() as t:
        result = subprocess.run(cmd, cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{result.stderr[-2000:]}")
    return t.seconds, result.stdout, result.stderr


def modules_after(statement: str) -> list[str]:
    _, out, _ = _python(_LIST.format(stmt=statement))
    return json.loads(out)


def bench_imports(repeats: int) -> list[Row]:
    baseline = set(modules_after("pass"))
    rows = []
    for module, target in TARGETS.items():
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
    rows.append(nbgrader_import_breakdown())
    return rows


_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def nbgrader_import_breakdown() -> Row:
    """Where importing nbgrader (as ``dncourse grade`` does) spends its time, by top-level package."""
    seconds, _, err = _python("from nbgrader.apps import NbGraderAPI", importtime=True)
    floor, _, _ = _python("pass")
    by_package: dict[str, float] = {}
    cumulative: dict[str, float] = {}
    for line in err.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        self_us, cum_us, module = int(match.group(1)), int(match.group(2)), match.group(4)
        top = module.split(".")[0]
        by_package[top] = by_package.get(top, 0.0) + self_us / 1e6
        cumulative[module] = max(cumulative.get(module, 0.0), cum_us / 1e6)
    top = sorted(by_package.items(), key=lambda kv: -kv[1])[:12]
    hot = {m: cumulative[m] for m in ("rfc3987_syntax", "jsonschema", "nbformat", "nbconvert", "sqlalchemy",
                                      "jupyter_server", "tornado", "nbgrader.server_extensions", "nbgrader.apps",
                                      "nbgrader.api", "lark") if m in cumulative}
    print("importing nbgrader: " + ", ".join(f"{k} {v:.2f} s" for k, v in top[:6]), flush=True)
    return Row("import", "from nbgrader.apps import NbGraderAPI", None, None, seconds, floor,
               note="what every `dncourse grade` and every grading worker pays once (reported, no target)",
               extra={"self_seconds_by_package": dict(top), "cumulative_seconds": hot})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    rows = bench_imports(max(1, args.repeats))
    save_rows(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
