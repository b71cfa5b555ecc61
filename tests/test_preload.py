"""The learner's kernel imports a lesson's heavy libraries while the page loads (dncourse/preload.py)."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from conftest import ROOT, lesson_paths
from dncourse import preload


def test_lessons_are_warmed_and_quizzes_and_other_notebooks_are_not(tmp_path):
    for path in lesson_paths():
        now, _when_idle = preload.modules_for(path)
        assert now == preload.MODULES, path.name
    drawing = [p for p in lesson_paths() if "matplotlib" in preload.modules_for(p)[1]]
    assert len(drawing) == len(lesson_paths()) - 1, "every lesson but the start page draws figures"
    assert preload.modules_for(ROOT / "notebooks" / "00-start-here.ipynb") == (preload.MODULES, ())
    for quiz in sorted((ROOT / "release").glob("*/*.ipynb")) + sorted((ROOT / "source").glob("*/*.ipynb")):
        assert preload.modules_for(quiz) == ((), ()), quiz.name
    other = tmp_path / "scratch.ipynb"
    other.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "import pandas"}]}), encoding="utf-8")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    assert preload.modules_for(other) == preload.modules_for(broken) == preload.modules_for(tmp_path / "none") == ((), ())


class _Events:
    def __init__(self):
        self.handlers = {}

    def register(self, event, handler):
        self.handlers.setdefault(event, []).append(handler)

    def unregister(self, event, handler):
        self.handlers[event].remove(handler)


class _Shell:
    def __init__(self):
        self.events = _Events()


def _fresh(monkeypatch):
    for name, value in (("_thread", None), ("_shell", None), ("_when_idle", ()), ("_timer", None),
                        ("_idle_done", False)):
        monkeypatch.setattr(preload, name, value)


def test_the_first_cell_waits_for_the_imports_and_then_the_hook_is_gone(monkeypatch):
    _fresh(monkeypatch)
    started = []
    monkeypatch.setattr(preload, "_warm", lambda modules: (time.sleep(0.3), started.append(modules)))
    shell = _Shell()
    thread = preload.start(shell, ("json", "csv"))
    assert preload.start(shell) is thread                    # once per kernel
    assert shell.events.handlers["pre_run_cell"] == [preload.wait]
    before = time.perf_counter()
    for handler in list(shell.events.handlers["pre_run_cell"]):
        handler({"raw_cell": "1 + 1"})                       # what IPython does before the first cell
    assert time.perf_counter() - before >= 0.2 and started == [("json", "csv")] and not thread.is_alive()
    assert shell.events.handlers["pre_run_cell"] == []       # later cells do not wait
    assert shell.events.handlers.get("post_run_cell", []) == []   # nothing to import when idle


def _run_cell(shell, seconds_busy: float = 0.0) -> None:
    for handler in list(shell.events.handlers.get("pre_run_cell", [])):
        handler({"raw_cell": "1 + 1"})
    time.sleep(seconds_busy)
    for handler in list(shell.events.handlers.get("post_run_cell", [])):
        handler(None)


def test_figure_libraries_are_imported_only_once_the_kernel_is_idle(monkeypatch):
    _fresh(monkeypatch)
    monkeypatch.setattr(preload, "IDLE_SECONDS", 0.3)
    imported = []
    monkeypatch.setattr(preload, "_warm", lambda modules: imported.append(("now", modules)))
    monkeypatch.setattr(preload, "_import_all", lambda modules: (time.sleep(0.4), imported.append(("idle", modules))))
    shell = _Shell()
    preload.start(shell, ("ipywidgets",), ("matplotlib",))
    for _ in range(4):                      # Run All: cells follow each other with no idle time
        _run_cell(shell, 0.1)
    assert imported == [("now", ("ipywidgets",))]
    time.sleep(0.35)                        # idle: the import begins ...
    before = time.perf_counter()
    _run_cell(shell)                        # ... and a cell that starts now waits for it to finish
    assert time.perf_counter() - before >= 0.2
    assert imported == [("now", ("ipywidgets",)), ("idle", ("matplotlib",))]
    assert shell.events.handlers["pre_run_cell"] == [] and shell.events.handlers["post_run_cell"] == []
    time.sleep(0.5)
    assert len(imported) == 2, "imported once"


def test_an_import_that_fails_is_left_to_the_cell_that_needs_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "dncourse_no_such_module", None)
    preload._import_all(("dncourse_no_such_module", "json"))  # no exception
    assert "json" in sys.modules


def _first_cell_sees(env_extra: dict, cwd, then_idle: float = 0.0) -> list[str]:
    from jupyter_client.manager import start_new_kernel

    env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    env.update(env_extra)
    km, kc = start_new_kernel(kernel_name="python3", env=env, cwd=str(cwd),
                              extra_arguments=["--IPKernelApp.extensions=['dncourse.preload']"])
    try:
        time.sleep(0.5)
        seen = []
        kc.execute_interactive(
            "import sys; print(','.join(m for m in ('matplotlib', 'numpy', 'ipywidgets', 'jsonschema') "
            "if m in sys.modules))",
            output_hook=lambda msg: seen.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None,
            timeout=60)
        if then_idle:                       # what a later cell sees, after the kernel was idle
            time.sleep(then_idle)
            seen = []
            kc.execute_interactive(
                "import sys; print(','.join(m for m in ('matplotlib', 'numpy', 'ipywidgets', 'jsonschema') "
                "if m in sys.modules))",
                output_hook=lambda msg: seen.append(msg["content"].get("text", "")) if msg["msg_type"] == "stream"
                else None, timeout=60)
        return [m for m in "".join(seen).strip().split(",") if m]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_kernel_jupyter_opens_for_a_lesson_has_its_widgets_at_once_and_matplotlib_when_idle(tmp_path):
    lesson = ROOT / "notebooks" / "02-benefits-and-evidence.ipynb"
    env = {"JPY_SESSION_NAME": f"notebooks/{lesson.name}", "DNCOURSE_CACHE_DIR": str(tmp_path)}
    # The first lesson on a machine checks the data against the schemas (with jsonschema), and with no
    # picture kept yet it will draw its figures, so matplotlib comes at once too ...
    assert set(_first_cell_sees(env, lesson.parent)) == {"matplotlib", "numpy", "ipywidgets", "jsonschema"}
    notes = json.loads((tmp_path / "validated-data.json").read_text(encoding="utf-8"))["passed"]
    data_files = [p for p in (ROOT / "dncourse" / "data").rglob("*.*") if p.suffix in (".csv", ".json")
                  and not p.name.endswith(".schema.json")]
    assert len(notes) == len(data_files), "the first lesson kernel checks every data file"
    # ... and once pictures are kept, a lesson needs no jsonschema, and matplotlib only once the kernel is idle.
    (tmp_path / "pictures").mkdir()
    (tmp_path / "pictures" / "kept.svg").write_text("<?xml</svg>", encoding="utf-8")
    assert set(_first_cell_sees(env, lesson.parent)) == {"ipywidgets"}
    seen = _first_cell_sees(env, lesson.parent, then_idle=preload.IDLE_SECONDS + 3)
    assert set(seen) == {"matplotlib", "numpy", "ipywidgets"}


@pytest.mark.parametrize("session", [None, "release/s01-what-is-dry-needling/s01-what-is-dry-needling.ipynb"],
                         ids=["no Jupyter session (grading, tests)", "a quiz"])
def test_other_kernels_are_left_alone(session):
    env = {"JPY_SESSION_NAME": session} if session else {}
    where = ROOT / (session.rsplit("/", 1)[0] if session else "notebooks")
    assert _first_cell_sees(env, where) == []


def test_the_learner_configuration_loads_the_extension():
    config = json.loads((ROOT / "jupyter" / "learner" / "ipython_kernel_config.json").read_text(encoding="utf-8"))
    assert config["IPKernelApp"]["extensions"] == ["dncourse.preload"]
    installed = ROOT / ".venv" / "etc" / "ipython" / "ipython_kernel_config.json"
    if installed.exists() or os.environ.get("CI"):
        assert json.loads(installed.read_text(encoding="utf-8"))["IPKernelApp"]["extensions"] == ["dncourse.preload"]


def test_jsonschema_is_imported_and_every_table_checked_only_while_some_table_is_unchecked(monkeypatch):
    from types import SimpleNamespace

    from dncourse import loader

    imported, checked = [], []
    monkeypatch.setattr(preload, "importlib", SimpleNamespace(import_module=imported.append))
    monkeypatch.setattr(loader, "check_all", lambda: checked.append("all") or [])
    monkeypatch.setattr(loader, "unchecked_tables", lambda: [])
    preload._warm(("ipywidgets",))
    assert imported == ["ipywidgets"] and checked == []
    monkeypatch.setattr(loader, "unchecked_tables", lambda: ["myths"])
    preload._warm(())
    assert imported == ["ipywidgets", "jsonschema"] and checked == ["all"]
