"""Browser: time from opening a lesson to its widgets rendered, divided by the same for an empty notebook.

Uses the browser tests' machinery (``tests/browser/jlab.py``): JupyterLab in
the course's learner configuration on 127.0.0.1 with a random port and token,
driven by Playwright in Debian's headless Chromium.  One measurement: open the
notebook's address in a fresh browser context, wait until its kernel is idle,
choose *Run -> Run All Cells* in the menu (as the lessons tell learners to),
and wait until every code cell has run, the kernel is idle and every widget
output is drawn as a widget.  The floor is the same for a notebook holding one
``pass`` cell.  Lesson and floor alternate; the ratio of the medians is
reported.  A first, untimed opening warms up the server and the browser.
As after ``make lab``'s set-up, the lessons' pictures have been drawn once
(``dncourse/predraw.py``, into a cache folder of the benchmark's own), so a
lesson shows kept pictures and needs no matplotlib to come alive.

    python -m bench.browser [--lessons 00-start-here,...] [--repeats 3] --json OUT
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from dncourse.common import lesson_part_main, ROOT, Row, median, ratio, tests_module

TARGET = 1.3  # the target for the browser benchmark
EMPTY = "bench-empty.ipynb"


def _jlab():
    return tests_module("browser.jlab")  # the browser tests' helpers (tests/browser/jlab.py)


def _rendered_js(jlab) -> str:
    return """() => {
      const p = %s;
      if (!p || !p.content || !p.sessionContext || !p.sessionContext.session) return false;
      const kernel = p.sessionContext.session.kernel;
      if (!kernel || kernel.status !== 'idle') return false;
      const node = p.content.node;
      if ([...node.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'))) return false;
      let widgets = 0;
      for (const cell of p.content.widgets) {
        const m = cell.model;
        if (m.type !== 'code') continue;
        if (m.sharedModel.getSource().trim() && m.executionCount === null) return false;
        for (const o of m.outputs.toJSON())
          if (o.data && o.data['application/vnd.jupyter.widget-view+json']) widgets += 1;
      }
      return (%s)().length === widgets;
    }""" % (jlab.PANEL, jlab.WIDGET_ROOTS)


def _empty_notebook(folder: Path) -> str:
    lesson = json.loads(next((ROOT / "notebooks").glob("*.ipynb")).read_text(encoding="utf-8"))
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": "pass"}],
          "metadata": lesson.get("metadata", {}), "nbformat": 4, "nbformat_minor": lesson.get("nbformat_minor", 5)}
    (folder / EMPTY).write_text(json.dumps(nb), encoding="utf-8")
    return EMPTY


def _open_and_render(jlab, browser, server, path: str) -> float:
    """Seconds from opening ``path`` to every cell run and every widget drawn."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        start = time.perf_counter()
        jlab.open_notebook(page, server, path)
        jlab.run_all_from_menu(page)
        page.wait_for_function(_rendered_js(jlab), timeout=300_000, polling=100)
        seconds = time.perf_counter() - start
        problems = jlab.output_problems(page)
        if problems:
            raise RuntimeError(f"{path}: {problems[:3]}")
        return seconds
    finally:
        context.close()
        status, body = server.request("/api/sessions")
        if status == 200:
            for session in json.loads(body):
                server.request(f"/api/sessions/{session['id']}", method="DELETE")


def _after_set_up(cache: Path, lessons: list[Path]) -> None:
    """A cache folder of the benchmark's own, as ``make lab`` leaves it: the lessons' pictures drawn once."""
    from dncourse.predraw import predraw

    env = {"DNCOURSE_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        problems = predraw(lessons)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    if problems:
        raise RuntimeError("drawing the lessons' pictures failed: " + "; ".join(problems))


def bench_browser(names: list[str] | None, repeats: int) -> list[Row]:
    from playwright.sync_api import sync_playwright

    jlab = _jlab()
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if names:
        lessons = [p for p in lessons if p.stem in names or any(p.stem.startswith(n) for n in names)]
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-browser-"))
    _after_set_up(work / "cache", lessons)
    server = jlab.JupyterServer(root=jlab.make_course_root(work / "course"), workdir=work / "state",
                                extra_env={"DNCOURSE_CACHE_DIR": str(work / "cache")})
    empty = "notebooks/" + _empty_notebook(server.root / "notebooks")
    rows = []
    try:
        server.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=jlab.CHROMIUM, args=jlab.CHROMIUM_ARGS)
            try:
                _open_and_render(jlab, browser, server, empty)   # warm-up, not counted
                for lesson in lessons:
                    path = f"notebooks/{lesson.name}"
                    lesson_times, floor_times = [], []
                    for r in range(repeats):
                        order = [(path, lesson_times), (empty, floor_times)]
                        for nb_path, times in (order if r % 2 == 0 else order[::-1]):
                            times.append(_open_and_render(jlab, browser, server, nb_path))
                    course, base = median(lesson_times), median(floor_times)
                    rows.append(Row("browser", lesson.stem, ratio(course, base), TARGET, course, base,
                                    note="open, Run All, every widget drawn / the same for an empty notebook",
                                    extra={"lesson_runs": lesson_times, "floor_runs": floor_times}))
                    print(f"{lesson.stem}: {course:.2f} s, empty notebook {base:.2f} s, ratio {rows[-1].ratio:.2f}",
                          flush=True)
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def missing_reason() -> str | None:
    """Why the browser benchmark cannot run here, or None."""
    import importlib.util
    import os

    jlab = _jlab()
    if not (os.path.isfile(jlab.CHROMIUM) and os.access(jlab.CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {jlab.CHROMIUM}: {jlab.INSTALL_HINT}"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is missing (requirements-test.txt; `make test` installs it)"
    return None


def main(argv=None) -> int:
    return lesson_part_main(bench_browser, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
