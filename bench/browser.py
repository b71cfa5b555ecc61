"""Lessons in the browser: from opening a lesson to every widget drawn, divided by the same for its floor.

JupyterLab runs in the course's learner configuration on 127.0.0.1 with a
random port and token (``bench/lab_server.py``), driven by Playwright in
Debian's headless Chromium.  One measurement: open the notebook's address in a
fresh browser context, wait until its kernel is idle, choose *Run -> Run All
Cells* in the menu (as the lessons tell learners to), and wait until every
code cell has run, the kernel is idle and every widget output is drawn as a
widget.  A lesson's floor is the notebook of the headless part
(``bench/lessons.py``): one cell that imports what the lesson loads into its
kernel, nothing else.  Lesson and floor alternate; the ratio of the medians is
reported.  A first, untimed opening warms up the server and the browser.  An
empty notebook (one ``pass`` cell) is timed too and reported, without target.

    python -m bench.browser [--lessons 00-start-here,...] [--repeats 3] --json OUT
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench import lab_page
from bench.common import TARGETS, Row, lesson_part_main, lesson_paths, median, ratio
from bench.lab_server import CHROMIUM, CHROMIUM_ARGS, JupyterServer, make_course_root
from bench.lessons import DUMP_MODULES, code_cell, execute, floor_notebook, loaded_modules

TARGET = TARGETS["browser"]
EMPTY = "bench-empty.ipynb"

# True once every code cell has run, the kernel is idle and every widget output is drawn as a widget.
RENDERED_JS = """() => {
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
}""" % (lab_page.PANEL, lab_page.WIDGET_ROOTS)


def _write(nb: dict, path: Path) -> None:
    path.write_text(json.dumps(nb), encoding="utf-8")


def open_and_render(browser, server: JupyterServer, path: str) -> float:
    """Seconds from opening ``path`` to every cell run and every widget drawn; its session is closed after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        start = time.perf_counter()
        lab_page.open_notebook(page, server, path)
        lab_page.run_all_from_menu(page)
        page.wait_for_function(RENDERED_JS, timeout=300_000, polling=100)
        seconds = time.perf_counter() - start
        problems = lab_page.output_problems(page)
        if problems:
            raise RuntimeError(f"{path}: {problems[:3]}")
        return seconds
    finally:
        context.close()
        status, body = server.request("/api/sessions")
        if status == 200:
            for session in json.loads(body):
                server.request(f"/api/sessions/{session['id']}", method="DELETE")


def _floors(lessons: list[Path], folder: Path) -> dict[str, dict]:
    """Each lesson's floor notebook, from the modules a headless run of the lesson loads (as bench.lessons)."""
    bare = json.loads(lessons[0].read_text(encoding="utf-8"))
    bare["cells"] = [code_cell(DUMP_MODULES)]
    baseline = set(loaded_modules(execute(bare, folder)[1]))
    floors = {}
    for lesson in lessons:
        nb = json.loads(lesson.read_text(encoding="utf-8"))
        probe = copy.deepcopy(nb)
        probe["cells"].append(code_cell(DUMP_MODULES))
        modules = [m for m in loaded_modules(execute(probe, folder)[1]) if m not in baseline and not m.startswith("__")]
        floors[lesson.stem] = floor_notebook(nb, modules)
    return floors


def bench_browser(names: list[str] | None, repeats: int) -> list[Row]:
    """One row per lesson (median lesson / median floor) and one for the empty notebook (reported)."""
    from playwright.sync_api import sync_playwright

    lessons = lesson_paths(names)
    work = Path(tempfile.mkdtemp(prefix="dncourse-bench-browser-"))
    server = JupyterServer(root=make_course_root(work / "course"), workdir=work / "state")
    notebooks = server.root / "notebooks"
    rows = []
    try:
        floors = _floors(lessons, notebooks)
        for stem, nb in floors.items():
            _write(nb, notebooks / f"bench-floor-{stem}.ipynb")
        empty = json.loads(lessons[0].read_text(encoding="utf-8"))
        empty["cells"] = [code_cell("pass")]
        _write(empty, notebooks / EMPTY)
        server.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                open_and_render(browser, server, f"notebooks/{EMPTY}")   # warm-up, not counted
                for lesson in lessons:
                    path, floor = f"notebooks/{lesson.name}", f"notebooks/bench-floor-{lesson.stem}.ipynb"
                    lesson_times, floor_times = [], []
                    for r in range(repeats):
                        order = [(path, lesson_times), (floor, floor_times)]
                        for nb_path, times in (order if r % 2 == 0 else order[::-1]):
                            times.append(open_and_render(browser, server, nb_path))
                    course, base = median(lesson_times), median(floor_times)
                    row = Row("browser", lesson.stem, ratio(course, base), TARGET, course, base,
                              note="open, Run All, every widget drawn / the same for the lesson's floor notebook",
                              extra={"lesson_runs": lesson_times, "floor_runs": floor_times})
                    rows.append(row)
                    print(f"{lesson.stem}: {course:.2f} s, floor {base:.2f} s, ratio {row.ratio:.2f}", flush=True)
                empty_times = [open_and_render(browser, server, f"notebooks/{EMPTY}") for _ in range(repeats)]
                rows.append(Row("browser", "empty notebook (one pass cell)", None, None, median(empty_times), None,
                                note="reported for scale: what JupyterLab itself takes", extra={"runs": empty_times}))
                print(f"empty notebook: {median(empty_times):.2f} s", flush=True)
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main(argv=None) -> int:
    """``python -m bench.browser``: see the module's docstring."""
    return lesson_part_main(bench_browser, __doc__, argv)


if __name__ == "__main__":
    raise SystemExit(main())
