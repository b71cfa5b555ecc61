"""The benchmarks (``bench/``) and the stress script report honestly; nothing here judges speed.

* The report: on synthetic results, every figure is shown beside its target
  with the right verdict, and a wrong ratio, a missing target or a part that
  gave no figure is caught (``python -m bench`` then exits 1).
* ``bench/`` imports nothing from ``tests/`` and never changes ``sys.path``.
* The stress script reports a failing and a timed-out run with exit status 1,
  a clean run with 0, and stops its busy processes, also when interrupted.
* One small real part: ``python -m bench --size tiny --only lessons``.
"""

from __future__ import annotations

import ast
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from bench.common import TARGETS, Row, ratio
from bench.report import target_problems, write_report
from tests.support.course import ROOT


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


# --- the report -------------------------------------------------------------------------------------------

def _results(rows: list[Row], status: dict | None = None) -> dict:
    status = status or {"grading": "ok (1 s)", "lessons": "ok (1 s)", "browser": "ok (1 s)",
                        "imports": "ok (1 s)"}
    return {"size": "full", "status": status, "rows": [r.as_dict() for r in rows],
            "machine": {"before": {"date": "today", "cores": 2, "python": "3.11", "load_average": [1.0]},
                        "after": {"load_average": [1.0]}, "seconds": 60}}


def _rows() -> list[Row]:
    def row(group, name, seconds, floor, target, extra=None):
        return Row(group, name, ratio(seconds, floor), target, seconds, floor, extra=extra or {})

    return [row("grading", "dncourse grade, 20 submissions", 30.0, 40.0, TARGETS["grading"],
                {"per_submission": 1.5, "nbgrader_per_submission": 2.0, "sandboxed": True}),
            row("lessons", "01-what-is-dry-needling", 3.2, 2.0, TARGETS["lessons"]),
            row("lessons", "00-start-here", 1.2, 1.0, TARGETS["lessons"]),
            row("browser", "00-start-here", 6.0, 5.0, TARGETS["browser"]),
            Row("browser", "empty notebook (one pass cell)", None, None, 4.0, None),
            row("import", "import dncourse", 0.05, 0.04, TARGETS["imports"]),
            row("import", "import dncourse.answers", 0.06, 0.04, None)]


def test_the_targets_are_those_of_the_issue():
    assert TARGETS == {"grading": 0.8, "lessons": 1.5, "browser": 1.5, "imports": 1.25}


def test_ratio_is_course_over_floor_and_none_without_both():
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(2.0, 4.0) == 0.5
    for course, floor in ((None, 1.0), (1.0, None), (1.0, 0.0), (0.0, 1.0), (float("nan"), 1.0),
                          (1.0, float("inf"))):
        assert ratio(course, floor) is None, (course, floor)
    assert Row("lessons", "x", 1.6, 1.5).met is False and Row("lessons", "x", 1.5, 1.5).met is True
    assert Row("lessons", "x", 1.2, None).met is None


def test_the_report_shows_every_figure_with_its_target_and_verdict(tmp_path):
    results = _results(_rows(), {"grading": "ok (1 s)", "lessons": "ok (1 s)", "browser": "ok (1 s)",
                                 "imports": "not run: no time"})
    md, png = write_report(results, tmp_path)
    text = md.read_text(encoding="utf-8")
    assert "| Grading | dncourse grade, 20 submissions | 30.00 | 40.00 | 0.75 | ≤ 0.80 | yes |" in text
    assert "| Lesson, headless | 01-what-is-dry-needling | 3.20 | 2.00 | 1.60 | ≤ 1.50 | **no** |" in text
    assert "| Lesson, headless | 00-start-here | 1.20 | 1.00 | 1.20 | ≤ 1.50 | yes |" in text
    assert "| Lesson in the browser | 00-start-here | 6.00 | 5.00 | 1.20 | ≤ 1.50 | yes |" in text
    assert "| Lesson in the browser | empty notebook (one pass cell) | 4.00 | n/a | n/a | - | (reported) |" in text
    assert "| Import | import dncourse.answers | 0.06 | 0.04 | 1.50 | - | (reported) |" in text
    assert "**imports**: not run: no time" in text
    assert "1.500 s per submission against 2.000 s for plain `nbgrader autograde`" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_verdict_comes_from_the_ratio_not_from_a_stored_flag(tmp_path):
    rows = _rows()
    results = _results(rows)
    results["rows"][1]["met"] = True   # a wrong stored flag for a ratio of 1.6 against 1.5
    text = write_report(results, tmp_path)[0].read_text(encoding="utf-8")
    assert "| 1.60 | ≤ 1.50 | **no** |" in text


def test_sound_figures_have_no_target_problem():
    assert target_problems(_results(_rows())) == []


def test_a_wrong_ratio_is_caught():
    results = _results(_rows())
    results["rows"][0]["ratio"] = 40.0 / 30.0   # floor over course: upside down
    problems = target_problems(results)
    assert len(problems) == 1 and "dncourse grade" in problems[0] and "not 0.75" in problems[0]


def test_a_missing_or_wrong_target_is_caught():
    results = _results(_rows())
    results["rows"][0]["target"] = None          # the only grading figure lost its target
    results["rows"][3]["target"] = 1.3           # the browser's old target
    problems = target_problems(results)
    assert any(p.startswith("grading: no figure with its target (0.8)") for p in problems), problems
    assert any(p.startswith("browser: 00-start-here has target 1.3, not 1.5") for p in problems), problems


def test_a_part_that_ran_without_figures_is_caught():
    results = _results([r for r in _rows() if r.group != "lessons"])
    assert target_problems(results) == ["lessons: no figure with its target (1.5)"]
    results["status"]["lessons"] = "FAILED: no kernel"   # a part that failed is reported as failed instead
    assert target_problems(results) == []


# --- bench stands alone -----------------------------------------------------------------------------------

def imports_from_tests(source: str) -> list[str]:
    """What ``source`` imports from the ``tests`` package, and any change of ``sys.path``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "tests":
            found.append(node.module)
        elif (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
              and node.value.id == "sys"):
            found.append("sys.path")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant) \
                and str(node.args[0].value).split(".")[0] == "tests":
            found.append(node.args[0].value)
    return found


def test_the_import_check_finds_what_it_looks_for():
    assert sorted(imports_from_tests("from tests.support import jlab\nimport tests.support.course\n"
                                     "import sys\nsys.path.insert(0, 'x')\n"
                                     "import importlib\nimportlib.import_module('tests.support.headless')\n")) == [
        "sys.path", "tests.support", "tests.support.course", "tests.support.headless"]
    assert imports_from_tests("from bench.common import ROOT\nfrom .report import x\nimport sys\n") == []


def test_bench_imports_nothing_from_tests():
    sources = sorted((ROOT / "bench").glob("*.py"))
    assert len(sources) >= 8
    found = {p.name: imports_from_tests(p.read_text(encoding="utf-8")) for p in sources}
    assert {name: what for name, what in found.items() if what} == {}


# --- the stress script ------------------------------------------------------------------------------------

def _notebook(folder: Path, name: str, source: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _busy_pids(first_line: str) -> list[int]:
    assert "busy process(es): " in first_line, first_line
    return [int(p) for p in first_line.split("busy process(es): ", 1)[1].split()]


def _gone(pids: list[int], within: float = 10.0) -> bool:
    """Whether none of ``pids`` is a live process (a zombie counts as gone) by ``within`` seconds."""
    def alive(pid):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        return state != "Z"

    deadline = time.monotonic() + within
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _stress(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bench.stress", *args], cwd=ROOT, env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kwargs)


def test_stress_reports_a_failing_and_a_timed_out_run_and_stops_its_busy_processes(tmp_path):
    paths = [_notebook(tmp_path, "fine", "x = 1"), _notebook(tmp_path, "broken", "1 / 0"),
             _notebook(tmp_path, "stuck", "import time\ntime.sleep(120)")]
    process = _stress("--runs", "1", "--time-limit", "3", *map(str, paths))   # one busy process per core
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 1, out
    pids = _busy_pids(out.splitlines()[0])
    assert len(pids) == os.cpu_count() and _gone(pids)
    assert "| fine | 1 | 1 |" in out and "| 0 | 0 |" in out
    assert "| broken | 1 | 0 | n/a | n/a | 1 | 0 |" in out
    assert "| stuck | 1 | 0 | n/a | n/a | 0 | 1 |" in out
    assert "- broken, run 1: CellExecutionError" in out
    assert "- stuck, run 1: NotebookTimeout: stuck.ipynb did not finish within 3 s" in out


def test_stress_exits_0_when_every_run_finished(tmp_path):
    process = _stress("--runs", "1", "--busy", "1", str(_notebook(tmp_path, "fine", "x = 1")))
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    assert "| fine | 1 | 1 |" in out and "Every run finished within the time limit." in out
    assert _gone(_busy_pids(out.splitlines()[0]))


def _kernel_of(pid: int, within: float = 60.0) -> int:
    """The pid of the kernel that process ``pid`` started, once it has started."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid and b"ipykernel" in command:
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError("the stress script started no kernel")


def test_stress_stops_its_busy_processes_and_the_kernel_on_ctrl_c(tmp_path):
    process = _stress("--busy", "1", str(_notebook(tmp_path, "stuck", "import time\ntime.sleep(120)")))
    first = process.stdout.readline()
    pids = _busy_pids(first)
    kernel = _kernel_of(process.pid)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 1, first + out
    assert "interrupted; the busy processes were stopped" in out
    assert "Interrupted: the run in progress was stopped" in out and "Every run finished" not in out
    assert _gone(pids + [kernel])


def test_stress_stops_its_busy_processes_when_terminated(tmp_path):
    process = _stress("--busy", "2", str(_notebook(tmp_path, "stuck", "import time\ntime.sleep(120)")))
    pids = _busy_pids(process.stdout.readline())
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 1, out
    assert _gone(pids)


# --- one small real part ----------------------------------------------------------------------------------

def test_the_tiny_lessons_benchmark_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench", "--size", "tiny", "--only", "lessons",
                             "--out", str(tmp_path)], cwd=ROOT, env=_env(), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["status"]["lessons"].startswith("ok")
    (row,) = results["rows"]
    assert row["name"] == "00-start-here" and row["target"] == TARGETS["lessons"]
    assert all(math.isfinite(row[k]) and row[k] > 0 for k in ("seconds", "floor_seconds", "ratio"))
    assert row["ratio"] == pytest.approx(row["seconds"] / row["floor_seconds"])
    assert "| Lesson, headless | 00-start-here |" in (tmp_path / "results.md").read_text(encoding="utf-8")
