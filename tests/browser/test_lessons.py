"""Every lesson, as a learner meets it: JupyterLab in Chromium, Run All, then every widget used.

For each notebook in ``notebooks/`` (new lessons are picked up automatically):
open it, choose *Run -> Run All Cells* in the menu, wait until the kernel is
idle, check that no cell shows an error or writes to stderr and that every
widget was drawn, then operate every widget by keyboard (or by choosing an
option in a drop-down) and check that what the learner sees changes.  A
screenshot and the axe-core report of each lesson go to
``test-artifacts/browser/``; any accessibility violation not on the allowlist
of known JupyterLab and ipywidgets problems fails the test.
"""

from __future__ import annotations

import json

import pytest

from tests.support.course import ROOT, lesson_paths

from tests.support import jlab
from tests.support.allowlists import label_problems, unexplained

LESSONS = [str(p.relative_to(ROOT)) for p in lesson_paths()]


def small_figure_text(figures: list[dict]) -> list[str]:
    """The figures (from ``jlab.figure_text_sizes``) whose smallest text, as shown, is under 9 points."""
    from dncourse.ui.figures import MIN_TEXT_PT

    return [f"figure '{f['alt']}': smallest text {f['smallest_pt']} pt as shown "
            f"({f['shown_px']} of {f['natural_px']} pixels wide)"
            for f in figures if f["smallest_pt"] is not None and f["smallest_pt"] < MIN_TEXT_PT - 0.05]


def test_there_are_lessons_to_open():
    assert len(LESSONS) >= 2, LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_and_every_widget_responds(page, lab_server, lesson, artifacts, axe_source):
    stem = lesson.rsplit("/", 1)[-1].removesuffix(".ipynb")
    jlab.open_notebook(page, lab_server, lesson)
    jlab.run_all_from_menu(page)
    jlab.wait_until_settled(page)

    assert jlab.unexecuted_code_cells(page) == [], "Run All did not run every code cell"
    assert jlab.output_problems(page) == []
    assert small_figure_text(jlab.figure_text_sizes(page)) == [], "figure text must be 9 pt or more as shown"
    expected = jlab.widget_output_count(page)
    assert jlab.widget_roots(page) == expected, "not every widget output was drawn as a widget"

    actions = jlab.exercise_widgets(page)
    used = {a.widget for a in actions}
    assert used == set(range(expected)), f"widgets never operated: {sorted(set(range(expected)) - used)}"
    (artifacts / f"{stem}.widgets.json").write_text(
        json.dumps([a.__dict__ for a in actions], indent=1), encoding="utf-8")
    assert jlab.judge_actions(actions) == []
    assert jlab.output_problems(page) == [], "using the widgets caused errors"
    assert page.dn_errors == [], "JavaScript errors in the page"
    # The learner configuration leaves MathJax out (no lesson uses TeX); it would set window.MathJax.
    assert page.evaluate("() => typeof window.MathJax") == "undefined", "the page loaded MathJax"
    assert label_problems(jlab.widget_labels(page)) == [], "widget labels must be readable in full"
    assert small_figure_text(jlab.figure_text_sizes(page)) == [], "figures the widgets drew: text under 9 pt"

    jlab.show_first_widget(page)
    page.screenshot(path=str(artifacts / f"{stem}.png"))

    violations = jlab.axe_scan(page)
    (artifacts / f"{stem}.axe.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
    assert unexplained(violations) == [], "accessibility violations that are not known JupyterLab/ipywidgets ones"
