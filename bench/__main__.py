"""Run every benchmark and write a markdown table and a plot: ``python -m bench`` (``make bench``).

    python -m bench [--size full|tiny] [--out build/bench] [--only grading,lessons,...]

Each part runs in a fresh process (``python -m bench.<part>``) and writes its
rows; this process gathers them into ``results.json``, ``results.md`` and
``ratios.png`` in the output folder, beside each part's log.  ``--size tiny``
runs everything on a few learners and one lesson, once: a quick check that
the benchmarks run; tiny figures mean nothing.  Slowness never makes this
command fail; a benchmark that cannot run, or a figure without its target,
does (exit status 1), except outside CI where a missing browser is reported
and skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from bench.common import ROOT, Row, run_part
from bench.report import target_problems, write_report

SIZES = {
    "full": {"grading": ["--learners", "20", "--repeats", "3"], "lessons": ["--repeats", "5"],
             "browser": ["--repeats", "9"], "imports": ["--repeats", "15"]},
    "tiny": {"grading": ["--learners", "3", "--repeats", "1"],
             "lessons": ["--repeats", "1", "--lessons", "00-start-here"],
             "browser": ["--repeats", "1", "--lessons", "00-start-here"], "imports": ["--repeats", "3"]},
}
PARTS = ["grading", "lessons", "browser", "imports"]
TIMEOUT = {"full": 3 * 3600, "tiny": 1200}


def in_ci() -> bool:
    """Whether this runs under continuous integration (``CI`` set to true)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(part: str) -> str | None:
    """Why ``part`` cannot run on this machine, or None."""
    if part == "browser":
        from bench.lab_server import missing_reason

        return missing_reason()
    return None


def _machine() -> dict:
    """The machine's cores, Python, platform, load average and the date and time."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average": [round(x, 2) for x in load], "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def main(argv=None) -> int:
    """``python -m bench``: run the parts, write the report, exit 1 if a part could not run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--only", default="", help=f"comma-separated parts (default: all of {','.join(PARTS)})")
    args = parser.parse_args(argv)
    parts = [p for p in args.only.split(",") if p] or PARTS
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    machine = {"before": _machine()}
    rows: list[Row] = []
    status: dict[str, str] = {}
    started = time.time()
    for part in parts:
        missing = _missing(part)
        if missing:
            status[part] = f"not run: {missing}"
            print(f"[bench] {part}: {status[part]}", flush=True)
            continue
        print(f"[bench] {part} ({args.size})...", flush=True)
        t0 = time.time()
        try:
            rows += run_part(part, SIZES[args.size][part], out / f"{part}.json", TIMEOUT[args.size])
            status[part] = f"ok ({time.time() - t0:.0f} s)"
        except Exception as exc:  # one broken part must not hide the others' figures
            status[part] = f"FAILED: {exc}"
            traceback.print_exc()
        print(f"[bench] {part}: {status[part].splitlines()[0]}", flush=True)
    machine["after"] = _machine()
    machine["seconds"] = time.time() - started
    results = {"size": args.size, "machine": machine, "status": status, "rows": [r.as_dict() for r in rows]}
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    md, png = write_report(results, out)
    print(md.read_text(encoding="utf-8"))
    print(f"[bench] written: {md}\n[bench]          {png}\n[bench]          {out / 'results.json'}")
    failed = [p for p, s in status.items() if s.startswith("FAILED") or (in_ci() and s.startswith("not run"))]
    if failed:
        print(f"[bench] could not run: {', '.join(failed)}", file=sys.stderr)
    broken = target_problems(results)
    for problem in broken:
        print(f"[bench] broken figure: {problem}", file=sys.stderr)
    return 1 if failed or broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
