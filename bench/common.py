"""Shared helpers of the benchmarks: the repository, the lessons, timing, medians, ratios and JSON rows."""

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
# The target of each part: the course's time divided by the floor's should be at most this.
TARGETS = {"grading": 0.8, "lessons": 1.5, "browser": 1.5, "imports": 1.25}
# The group a part's rows carry.
PART_GROUP = {"grading": "grading", "lessons": "lessons", "browser": "browser", "imports": "import"}


@dataclass
class Row:
    """One benchmark figure: a ratio against its floor, and the target it should meet."""

    group: str            # lessons, browser, grading, import
    name: str
    ratio: float | None   # course time / floor time (None when it could not be measured)
    target: float | None  # the ratio should be at most this (None: reported only)
    seconds: float | None = None        # the course's time (median)
    floor_seconds: float | None = None  # the floor's time (median)
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        """Whether the ratio is within its target (None when there is no ratio or no target)."""
        if self.ratio is None or self.target is None:
            return None
        return self.ratio <= self.target

    def as_dict(self) -> dict:
        """The row as a JSON-ready dict, with ``met``."""
        out = asdict(self)
        out["met"] = self.met
        return out


def median(values) -> float:
    """The median of the finite values (NaN when there is none)."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.median(values) if values else float("nan")


def ratio(course: float, floor: float) -> float | None:
    """``course / floor``, or None when either is missing, not finite or not positive."""
    if course is None or floor is None or not (math.isfinite(course) and math.isfinite(floor)):
        return None
    if course <= 0 or floor <= 0:
        return None
    return course / floor


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> "Timer":
        """Start timing."""
        self.start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc) -> None:
        """Stop timing: ``seconds`` is the time spent inside the block."""
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
    """Write ``rows`` to ``path`` as JSON."""
    Path(path).write_text(json.dumps([r.as_dict() for r in rows], indent=1), encoding="utf-8")


def load_rows(path: Path) -> list[Row]:
    """The rows written by :func:`save_rows`."""
    rows = []
    for item in json.loads(Path(path).read_text(encoding="utf-8")):
        item.pop("met", None)
        rows.append(Row(**item))
    return rows


def lesson_paths(names: list[str] | None = None) -> list[Path]:
    """The lessons (``notebooks/*.ipynb``), or those whose name is or starts with one of ``names``."""
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if names:
        paths = [p for p in paths if any(p.stem == n or p.stem.startswith(n) for n in names)]
        if not paths:
            raise SystemExit(f"no lesson in notebooks/ matches {', '.join(names)}")
    return paths


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
