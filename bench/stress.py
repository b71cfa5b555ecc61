"""Stress: every lesson run headless many times in a row while other processes keep every core busy.

    python -m bench.stress [--runs 10] [--time-limit 300] [--busy N] [NOTEBOOK ...]

Each lesson (``notebooks/*.ipynb``, or the notebooks named) is run ``--runs``
times in a row through the course's one headless runner
(:func:`dncourse.runner.run_notebook`), each run in a fresh kernel, in a copy
of the notebook's folder, with an overall limit of ``--time-limit`` seconds.
Meanwhile ``--busy`` processes (by default one per core) spin without pause,
as on a machine shared with other work; they are stopped at the end, also
after Ctrl-C or an error, and each stops by itself if this script dies.

The report gives per lesson the runs that finished, the median and the slowest
run, and every failure or timeout.  This is a script that reports, not a test:
slowness never fails it; the exit status is 1 if any run failed or timed out,
0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dncourse.runner import NotebookTimeout, run_notebook

ROOT = Path(__file__).resolve().parent.parent
# A busy process: spins until it is stopped, or until the process that started it is gone.
_SPIN = ("import os, sys\nparent = int(sys.argv[1])\n"
         "while os.getppid() == parent:\n    for _ in range(200000):\n        pass\n")


@dataclass
class LessonRuns:
    """The runs of one notebook: seconds of each finished run, and what went wrong in the others."""

    name: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        """How many runs were made."""
        return len(self.seconds) + len(self.failures) + len(self.timeouts)

    @property
    def ok(self) -> bool:
        """Whether every run finished without an error within the time limit."""
        return not (self.failures or self.timeouts)


def start_busy(count: int) -> list[subprocess.Popen]:
    """Start ``count`` processes that each keep one core busy."""
    return [subprocess.Popen([sys.executable, "-c", _SPIN, str(os.getpid())], stdin=subprocess.DEVNULL)
            for _ in range(count)]


def stop_busy(processes: list[subprocess.Popen]) -> None:
    """Stop the busy processes (terminate, then kill any that is left) and reap them."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _first_line(exc: BaseException) -> str:
    """The exception's class and the first line of its message."""
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def run_lesson(path: Path, runs: int, time_limit: float, folder: Path, result: LessonRuns | None = None) -> LessonRuns:
    """Run the notebook ``path`` ``runs`` times in a row, in ``folder``; what happened to each run.

    The runs are recorded in ``result`` (a new :class:`LessonRuns` by default) as they end.
    """
    result = result if result is not None else LessonRuns(path.stem)
    for number in range(1, runs + 1):
        start = time.perf_counter()
        try:
            run_notebook(folder / path.name, cwd=folder, time_limit=time_limit,
                         cell_timeout=min(120.0, time_limit))
        except NotebookTimeout as exc:
            result.timeouts.append(f"run {number}: {_first_line(exc)}")
            outcome = "TIMED OUT"
        except Exception as exc:  # a failed run is reported, and the next run goes on
            result.failures.append(f"run {number}: {_first_line(exc)}")
            outcome = "FAILED"
        else:
            result.seconds.append(time.perf_counter() - start)
            outcome = "ok"
        print(f"  {path.stem} run {number}/{runs}: {outcome} in {time.perf_counter() - start:.1f} s", flush=True)
    return result


def report(results: list[LessonRuns], time_limit: float, interrupted: bool = False) -> str:
    """The table of every lesson's runs, median and slowest run, then every failure and timeout."""
    lines = [f"| Lesson | Runs | Finished | Median (s) | Slowest (s) | Failed | Timed out (> {time_limit:.0f} s) |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        median = f"{statistics.median(r.seconds):.2f}" if r.seconds else "n/a"
        slowest = f"{max(r.seconds):.2f}" if r.seconds else "n/a"
        lines.append(f"| {r.name} | {r.runs} | {len(r.seconds)} | {median} | {slowest} | {len(r.failures)} | "
                     f"{len(r.timeouts)} |")
    problems = [f"- {r.name}, {p}" for r in results for p in r.timeouts + r.failures]
    if problems:
        lines += ["", "Failures and timeouts:", *problems]
    if interrupted:
        lines += ["", "Interrupted: the run in progress was stopped and is not counted."]
    elif not problems:
        lines += ["", "Every run finished within the time limit."]
    return "\n".join(lines)


def child_pids() -> list[int]:
    """The running processes this process started (read from Linux's /proc; none elsewhere)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, ValueError):
            continue
        if int(ppid) == os.getpid() and state != "Z":
            pids.append(int(entry.name))
    return pids


def interrupt_handler(busy: list[subprocess.Popen]):
    """A handler for Ctrl-C and SIGTERM: stop the busy processes and the running kernel, then stop the script.

    The kernel is stopped too (it runs in a session of its own, so Ctrl-C does
    not reach it), so that the run in progress ends at once instead of at its
    time limit.
    """
    def handler(signum, frame):  # noqa: ARG001 - a signal handler's signature
        stop_busy(busy)
        for pid in child_pids():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        raise KeyboardInterrupt
    return handler


def main(argv=None) -> int:
    """``python -m bench.stress``: see the module's docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.stress", description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: notebooks/*.ipynb)")
    parser.add_argument("--runs", type=int, default=10, help="runs of each notebook in a row (default 10)")
    parser.add_argument("--time-limit", type=float, default=300, help="seconds one run may take (default 300)")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2,
                        help="busy processes to run meanwhile (default: one per core)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.time_limit <= 0 or args.busy < 0:
        parser.error("--runs must be at least 1, --time-limit positive and --busy not negative")
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not paths:
        parser.error(f"no such notebook: {', '.join(missing)}" if missing else "no notebook to run")
    work = Path(tempfile.mkdtemp(prefix="dncourse-stress-"))
    busy: list[subprocess.Popen] = []
    handler = interrupt_handler(busy)
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    results: list[LessonRuns] = []
    copies: dict[Path, Path] = {}
    interrupted = False
    started = time.perf_counter()
    try:
        busy += start_busy(args.busy)
        print(f"{len(paths)} notebook(s), {args.runs} run(s) each, limit {args.time_limit:.0f} s per run; "
              f"{len(busy)} busy process(es): {' '.join(str(p.pid) for p in busy)}", flush=True)
        for path in paths:
            if path.parent not in copies:   # each folder copied once: runs never write into the checkout
                copies[path.parent] = work / f"{len(copies):02d}-{path.parent.name}"
                shutil.copytree(path.parent, copies[path.parent],
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            results.append(LessonRuns(path.stem))
            run_lesson(path, args.runs, args.time_limit, copies[path.parent], results[-1])
    except KeyboardInterrupt:
        interrupted = True
    finally:
        stop_busy(busy)
        for sig, old in previous.items():
            signal.signal(sig, old)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nStress run: {time.perf_counter() - started:.0f} s"
          f"{', interrupted' if interrupted else ''}; the busy processes were stopped.\n")
    print(report(results, args.time_limit, interrupted))
    return 0 if results and all(r.ok for r in results) and not interrupted else 1


if __name__ == "__main__":
    raise SystemExit(main())
