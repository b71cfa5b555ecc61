"""What else a learner does in the browser: validate a quiz, use Notebook 7, and not break a quiz.

* A released quiz: type an answer, press **Validate**, read the result dialog.
* The start lesson in the Notebook 7 interface: Run All, no errors, widgets
  respond, and the same cell protection as in JupyterLab.
* The learner configuration really protects a submission: the shortcuts that
  delete, cut, merge or retype cells do nothing, the cell toolbar has no
  delete button, nbgrader's authoring tools are gone, Validate is there, and
  no news pop-up appears.
* Figures: the alt text stored with each figure reaches the browser (as the alt
  attribute of the HTML <img> that dncourse.ui.figures also gives, since JupyterLab ignores image metadata).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.course import ROOT, lesson_paths, read_nb, cell_text, release_quiz_paths

from tests.support import jlab
from tests.support.allowlists import label_problems

START = "notebooks/00-start-here.ipynb"

# Page errors that Notebook 7.6 itself throws on opening any notebook, with or
# without the course's configuration: its shortcuts extension reads the schema
# of a plugin that the notebook page does not load, and its file browser
# restorer calls a command that only the tree page registers.
NOTEBOOK7_KNOWN_ERRORS = {
    "Cannot read properties of undefined (reading 'schema')",
    "Command 'filebrowser:open-path' not registered.",
}


def _first_answer_cell(quiz) -> tuple[int, str, str]:
    """(cell index, variable, question number) of the quiz's first answer cell."""
    for index, cell in enumerate(read_nb(quiz)["cells"]):
        match = re.match(r"(answer_(\d+)_(\d+)) = \.\.\.", cell_text(cell))
        if cell["cell_type"] == "code" and match:
            return index, match.group(1), f"{match.group(2)}.{match.group(3)}"
    raise AssertionError(f"{quiz}: no answer cell 'answer_N_M = ...'")


def test_validate_a_released_quiz(page, lab_server, artifacts):
    quiz = release_quiz_paths()[0]
    index, variable, number = _first_answer_cell(quiz)
    jlab.open_notebook(page, lab_server, str(quiz.relative_to(ROOT)))

    # Type an answer that is not one of the options into the first answer cell.
    editor = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(f'{variable} = "Z"')
    page.keyboard.press("Escape")
    assert jlab.cells(page)[index]["source"].startswith(f'{variable} = "Z"')

    page.locator(".validate-button").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.wait_for_function(
        "() => { const d = document.querySelector('.jp-Dialog-content'); "
        "return d && !/Validating/i.test(d.innerText.slice(0, 200)) && d.innerText.length > 40; }",
        timeout=180_000)
    text = dialog.inner_text()
    page.screenshot(path=str(artifacts / f"validate-{quiz.stem}.png"))
    (artifacts / f"validate-{quiz.stem}.txt").write_text(text, encoding="utf-8")
    assert text.startswith("Validation Results")
    assert f"Question {number}: 'Z' is not one of the options" in text
    assert text.count("The following cell failed") >= 2, "the other, unanswered, questions fail too"
    page.get_by_role("button", name=re.compile("^(OK|Ok|Close)$")).first.click()
    dialog.wait_for(state="detached")


def test_start_lesson_in_notebook_7(page, lab_server, artifacts):
    jlab.open_notebook(page, lab_server, START, ui="notebook")
    assert page.locator("#main-panel, .jp-NotebookApp, body[data-notebook='notebooks']").count() >= 1
    assert "/notebooks/" in page.url and "/lab" not in page.url
    _check_cells_are_protected(page)  # the learner settings hold in Notebook 7 too
    jlab.run_all_from_menu(page)
    jlab.wait_until_settled(page)
    assert jlab.unexecuted_code_cells(page) == []
    assert jlab.output_problems(page) == []
    expected = jlab.widget_output_count(page)
    assert expected >= 1 and jlab.widget_roots(page) == expected
    actions = jlab.exercise_widgets(page)
    assert {a.widget for a in actions} == set(range(expected))
    assert jlab.judge_actions(actions) == []
    assert [e for e in page.dn_errors if e not in NOTEBOOK7_KNOWN_ERRORS] == []
    assert label_problems(jlab.widget_labels(page)) == []
    jlab.show_first_widget(page)
    page.screenshot(path=str(artifacts / "notebook7-00-start-here.png"))


def _cell_count(page) -> int:
    return page.evaluate("() => %s.content.model.cells.length" % jlab.PANEL)


def _active_cell_type(page) -> str:
    return page.evaluate("() => %s.content.activeCell.model.type" % jlab.PANEL)


def _check_cells_are_protected(page):
    """In command mode on a code cell: keys still reach the notebook, but none deletes or retypes a cell."""
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    code_cell = notebook.locator(".jp-CodeCell").first
    code_cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    assert _active_cell_type(page) == "code"
    count = _cell_count(page)

    # The keyboard reaches the notebook: B (insert a cell below) still works ...
    page.keyboard.press("b")
    try:
        page.wait_for_function("(n) => %s.content.model.cells.length === n" % jlab.PANEL, arg=count + 1,
                               timeout=10_000)
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"the test's keys do not reach the notebook: {error}") from None
    page.keyboard.press("k")  # back to the code cell
    page.wait_for_timeout(200)
    count += 1
    assert _active_cell_type(page) == "code"

    # ... but D D (delete), X (cut), Shift+M (merge), V (paste) and M / R / Y (retype) do nothing.
    for keys in (["d", "d"], ["x"], ["Shift+M"], ["Control+Shift+M"], ["Control+Backspace"], ["c", "v"], ["m"], ["r"]):
        for key in keys:
            page.keyboard.press(key)
        page.wait_for_timeout(250)
        assert _cell_count(page) == count, f"{'+'.join(keys)} changed the number of cells"
        assert _active_cell_type(page) == "code", f"{'+'.join(keys)} changed the cell's type"

    # The cell toolbar keeps its other buttons but has no delete button.
    toolbar = code_cell.locator(".jp-cell-toolbar")
    toolbar.locator("[data-command='notebook:duplicate-below']").wait_for(state="attached")
    assert toolbar.locator("[data-command='cell-toolbar:delete']").count() == 0
    assert page.locator(".validate-button").count() == 1


def test_learner_configuration_protects_the_cells(page, lab_server, artifacts):
    jlab.open_notebook(page, lab_server, START)
    _check_cells_are_protected(page)
    page.screenshot(path=str(artifacts / "learner-protection.png"))

    # nbgrader: Validate is there; Formgrader, Assignments, Courses and the Nbgrader menu are not.
    assert page.locator(".validate-button").count() == 1
    assert page.get_by_role("menuitem", name="Nbgrader").count() == 0
    commands = page.evaluate("() => window.jupyterapp.commands.listCommands()")
    assert "nbgrader:open-formgrader" not in commands and "nbgrader:open-assignment-list" not in commands
    config = json.loads(page.locator("#jupyter-config-data").text_content())
    assert "@jupyter/nbgrader:formgrader" in config["lockedExtensions"]
    assert "@jupyter/nbgrader:validate-assignment" in config["lockedExtensions"]

    # No news or update pop-up.
    page.wait_for_timeout(1000)
    assert page.locator(".jp-Notification-Toast, .Toastify__toast").count() == 0
    news = page.evaluate("""async () => {
      const s = await window.jupyterapp.serviceManager.settings.fetch('@jupyterlab/apputils-extension:notification');
      return s.schema.properties.fetchNews.default + ' ' + s.schema.properties.checkForUpdates.default;
    }""")
    assert news == "false false"


def _lesson_with_a_figure() -> str:
    """The first lesson that shows a course figure when its cells are run."""
    from tests.support.lessons import run_lesson

    for path in lesson_paths():
        if run_lesson(path).figures:
            return str(path.relative_to(ROOT))
    raise AssertionError("no lesson shows a figure")


def test_figures_reach_the_browser_with_their_alt_text(page, lab_server):
    jlab.open_notebook(page, lab_server, _lesson_with_a_figure())
    jlab.run_all_from_menu(page)
    jlab.wait_until_settled(page)
    figures = jlab.figures_seen(page)
    assert figures, "the lesson showed no figure"
    assert all(f["stored_alt"] for f in figures), figures  # stored: this part holds today
    assert [f["alt"] for f in figures] == [f["stored_alt"] for f in figures]
