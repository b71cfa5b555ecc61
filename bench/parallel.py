"""Parallel grading: ``dncourse grade --workers N`` with a PostgreSQL gradebook against serial SQLite.

A private PostgreSQL server is started (``dncourse.pgserver``, Debian's
``postgresql``) and stopped at the end.  The same demo cohort is graded
serially with SQLite (the default) and with one worker per core and
PostgreSQL, at a small and a large cohort size, in this process, each in a
fresh course.  Grading time is then a straight line in the cohort size for
each mode, ``fixed + per_submission * n``: the speed-up is the ratio of the
per-submission slopes (and of the wall times at the large size), and
parallel grading starts to pay where the two lines cross.

    python -m bench.parallel --small 8 --large 100 [--workers 2] --json OUT
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from dncourse.common import Row, save_rows
from dncourse.instructor.grading import QUIZ, make_demo_course, timed_grade


def _grade(work: Path, name: str, learners: int, workers: int, db_url: str | None) -> dict:
    from dncourse.instructor.gradebook import quiz_scores
    from dncourse.instructor.nbgrader_course import open_course

    root = make_demo_course(work / name, QUIZ, learners, db_url)
    api = open_course(root)
    summary, phases = timed_grade(root, QUIZ, api, workers=workers)
    scores, _ = quiz_scores(root, QUIZ)
    problems = [str(p).replace(str(root), "<course>") for p in summary.problems]
    print(f"{name}: {learners} learners, {workers} worker(s): {phases['total']:.1f} s", flush=True)
    return {"seconds": phases["total"], "phases": phases, "scores": scores, "problems": problems,
            "graded": summary.graded, "verified": summary.verified}


def _line(small: int, t_small: float, large: int, t_large: float) -> tuple[float, float]:
    slope = (t_large - t_small) / (large - small)
    return t_small - slope * small, slope


def bench_parallel(small: int, large: int, workers: int) -> list[Row]:
    from dncourse.pgserver import PostgresServer

    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-parallel-"))
    server = PostgresServer().start()
    try:
        runs = {}
        for size in (small, large):
            runs[("serial", size)] = _grade(work, f"serial-{size}", size, 1, None)
            url = server.create_database(f"bench_{size}")
            runs[("parallel", size)] = _grade(work, f"parallel-{size}", size, workers, url)
            same = all(runs[("serial", size)][k] == runs[("parallel", size)][k]
                       for k in ("scores", "problems", "graded", "verified"))
            if not same:
                raise RuntimeError(f"parallel grading of {size} learners differs from the serial run")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    s_fixed, s_slope = _line(small, runs[("serial", small)]["seconds"], large, runs[("serial", large)]["seconds"])
    p_fixed, p_slope = _line(small, runs[("parallel", small)]["seconds"], large,
                             runs[("parallel", large)]["seconds"])
    if p_slope < s_slope and p_fixed > s_fixed:
        break_even = (p_fixed - s_fixed) / (s_slope - p_slope)
    elif p_slope < s_slope:
        break_even = 1.0   # parallel is faster from the start
    else:
        break_even = float("inf")
    speedup = runs[("serial", large)]["seconds"] / runs[("parallel", large)]["seconds"]
    extra = {"workers": workers, "cores": os.cpu_count(), "sizes": [small, large],
             "serial_seconds": {str(n): runs[("serial", n)]["seconds"] for n in (small, large)},
             "parallel_seconds": {str(n): runs[("parallel", n)]["seconds"] for n in (small, large)},
             "serial_fixed": s_fixed, "serial_per_submission": s_slope,
             "parallel_fixed": p_fixed, "parallel_per_submission": p_slope,
             "slope_speedup": s_slope / p_slope if p_slope > 0 else None,
             "break_even_learners": break_even, "identical_results": True}
    print(json.dumps(extra, indent=1), flush=True)
    note = (f"{workers} workers on {os.cpu_count()} cores: serial SQLite time / parallel PostgreSQL time "
            f"for {large} learners (results identical)")
    return [Row("parallel", f"speed-up, {workers} workers, {large} learners", speedup, None,
                runs[("parallel", large)]["seconds"], runs[("serial", large)]["seconds"], note=note, extra=extra)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=8)
    parser.add_argument("--large", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args(argv)
    from dncourse.instructor.nbgrader_course import ensure_tools_on_path

    ensure_tools_on_path()
    if args.large <= args.small:
        parser.error("--large must be bigger than --small")
    rows = bench_parallel(max(2, args.small), args.large, max(2, args.workers))
    save_rows(rows, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
