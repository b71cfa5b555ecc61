"""Shared helpers of the benchmarks: the repository, timing, medians, JSON rows."""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Row:
    """One benchmark figure: a ratio against its floor, and the target it should meet."""

    group: str            # lessons, grading, browser, import, parallel
    name: str
    ratio: float | None   # course time / floor time (None when it could not be measured)
    target: float | None  # the ratio should be at most this (None: reported only)
    seconds: float | None = None        # the course's time (median)
    floor_seconds: float | None = None  # the floor's time (median)
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.ratio is None or self.target is None:
            return None
        return self.ratio <= self.target

    def as_dict(self) -> dict:
        out = asdict(self)
        out["met"] = self.met
        return out


def median(values) -> float:
    values = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.median(values) if values else float("nan")


def ratio(course: float, floor: float) -> float | None:
    if not (course and floor) or not (math.isfinite(course) and math.isfinite(floor)) or floor <= 0:
        return None
    return course / floor


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def tool_env() -> dict:
    """This environment with this Python's bin/ first on PATH (nbgrader runs alembic and jupyter)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(PYTHON).parent), env.get("PATH", "")])
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run_part(module: str, args: list[str], out: Path, timeout: float) -> list[Row]:
    """Run ``python -m bench.<module> ARGS --json OUT`` in a fresh process; its rows."""
    cmd = [PYTHON, "-m", f"bench.{module}", *args, "--json", str(out)]
    result = subprocess.run(cmd, cwd=ROOT, env=tool_env(), timeout=timeout, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = out.with_suffix(".log")
    log.write_text(result.stdout, encoding="utf-8")
    if result.returncode != 0:
        raise RuntimeError(f"bench.{module} failed ({result.returncode}); last lines of {log}:\n"
                           + "\n".join(result.stdout.splitlines()[-25:]))
    return load_rows(out)


def save_rows(rows: list[Row], path: Path) -> None:
    Path(path).write_text(json.dumps([r.as_dict() for r in rows], indent=1), encoding="utf-8")


def load_rows(path: Path) -> list[Row]:
    rows = []
    for item in json.loads(Path(path).read_text(encoding="utf-8")):
        item.pop("met", None)
        rows.append(Row(**item))
    return rows


def lesson_part_main(bench, doc: str, argv=None) -> int:
    """Command line shared by the per-lesson parts: ``--lessons a,b --repeats N --json OUT``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--lessons", default="", help="comma-separated lesson names (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    save_rows(bench([n for n in args.lessons.split(",") if n], max(1, args.repeats)), args.json)
    return 0


def tests_module(name: str):
    """A helper module of the tests (``tests/<name>``, e.g. ``headless`` or ``browser.jlab``), imported once."""
    import importlib

    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    return importlib.import_module(name)
