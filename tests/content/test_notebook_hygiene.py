"""Committed notebooks: no outputs or widget state, a kernelspec, readable names and grade ids."""

import re
from collections import Counter

import pytest

from tests.support.course import ROOT, cell_text, committed_notebooks, lesson_paths, read_nb, source_quiz_paths
from dncourse.instructor.quizspec import nbgrader_meta, read_questions

ALL = committed_notebooks()


def _id(path):
    return str(path.relative_to(ROOT))


def test_there_are_notebooks_to_check():
    assert len(lesson_paths()) >= 2 and len(source_quiz_paths()) >= 1


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_no_outputs_counts_or_widget_state_and_a_kernelspec(path):
    nb = read_nb(path)
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", "no kernelspec: JupyterLab would ask 'Select Kernel'"
    assert "widgets" not in nb["metadata"], "saved widget state"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_grade_ids_are_readable_and_unique(path):
    ids = [nbgrader_meta(c).get("grade_id") for c in read_nb(path)["cells"] if nbgrader_meta(c).get("grade_id")]
    assert not [i for i in ids if re.fullmatch(r"cell-[0-9a-f]{6,}", i)], "random cell-<hex> grade ids"
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for gid in ids:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", gid), gid


@pytest.mark.parametrize("path", lesson_paths(), ids=_id)
def test_lesson_names_sort_and_parse(path):
    assert re.fullmatch(r"[0-9]{2}-[a-z0-9-]+\.ipynb", path.name)


@pytest.mark.parametrize("path", source_quiz_paths(), ids=_id)
def test_quiz_follows_the_question_pattern(path):
    nb = read_nb(path)
    assert re.fullmatch(r"s[0-9]{2}-[a-z0-9-]+", path.parent.name) and path.stem == path.parent.name
    cells = nb["cells"]
    questions = read_questions(nb)
    assert len(questions) >= 1
    for q in questions:
        assert q.variable == "answer_" + q.number.replace(".", "_")
        assert re.fullmatch(r"q" + q.number.replace(".", "_") + r"_[a-z0-9_]+", q.grade_id), q.grade_id
        assert q.answer_grade_id, f"question {q.number} has no answer cell"
        assert q.key is not None, f"question {q.number} has no hidden mark_answer(..., key=...)"
        q.normalised_key()  # the key itself is a well-formed answer
        test_cell = next(c for c in cells if nbgrader_meta(c).get("grade_id") == q.grade_id)
        answer_cell = next(c for c in cells if nbgrader_meta(c).get("grade_id") == q.answer_grade_id)
        assert nbgrader_meta(test_cell)["locked"] is True
        assert cell_text(test_cell).startswith('"""'), "test cells open with a one-line docstring"
        assert cell_text(answer_cell).startswith(f"{q.variable} = ...\n### BEGIN SOLUTION"), \
            "answer cells start with the placeholder, then the solution"
        heading = cells[cells.index(answer_cell) - 1]
        points = int(q.points)
        assert re.match(rf"## Question {re.escape(q.number)} \({points} points?\)", cell_text(heading))
    kinds = {q.kind for q in questions}
    manual = [c for c in cells if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
    assert len(kinds) + bool(manual) >= 3, "at least three question types"


@pytest.mark.parametrize("path", lesson_paths() + source_quiz_paths(), ids=_id)
def test_one_h1_and_no_skipped_heading_levels(path):
    levels = []
    for cell in read_nb(path)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        in_code = False
        for line in cell_text(cell).splitlines():
            if line.startswith("```"):
                in_code = not in_code
            match = re.match(r"(#{1,6}) ", line)
            if match and not in_code:
                levels.append(len(match.group(1)))
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading level jumps from {before} to {after}"
