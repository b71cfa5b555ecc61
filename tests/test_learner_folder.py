"""The learner's own folder that ``make lab`` serves (dncourse/learner_folder.py)."""

from __future__ import annotations

import json

import pytest

from dncourse.learner_folder import main, prepare_learner_folder
from tests.support.course import ROOT, lesson_paths, release_quiz_paths


def test_it_holds_the_lessons_and_the_student_quizzes_and_never_source(tmp_path):
    added = prepare_learner_folder(tmp_path / "my-course")
    names = {str(p) for p in added}
    assert {f"notebooks/{p.name}" for p in lesson_paths()} <= names
    assert {str(p.relative_to(ROOT)) for p in release_quiz_paths()} <= names
    files = [p for p in (tmp_path / "my-course").rglob("*") if p.is_file()]
    assert len(files) == len(added) == len(lesson_paths()) + len(release_quiz_paths())
    assert not [p for p in files if "source" in p.parts or "BEGIN SOLUTION" in p.read_text(encoding="utf-8")]


def test_a_second_run_keeps_the_learners_work_and_adds_what_is_new(tmp_path):
    folder = tmp_path / "my-course"
    prepare_learner_folder(folder)
    quiz = next((folder / "release").glob("*/*.ipynb"))
    nb = json.loads(quiz.read_text(encoding="utf-8"))
    nb["cells"][0]["source"] = "my notes"
    quiz.write_text(json.dumps(nb), encoding="utf-8")
    lesson = folder / "notebooks" / "00-start-here.ipynb"
    lesson.unlink()
    assert prepare_learner_folder(folder) == [lesson.relative_to(folder)]
    assert json.loads(quiz.read_text(encoding="utf-8"))["cells"][0]["source"] == "my notes"
    assert prepare_learner_folder(folder) == []


@pytest.mark.parametrize("where", ["course", "notebooks", "release", "source", "a file"])
def test_it_refuses_the_course_folders_and_files_with_a_clear_message(tmp_path, where, capsys):
    target = {"course": ROOT, "notebooks": ROOT / "notebooks", "release": ROOT / "release",
              "source": ROOT / "source", "a file": ROOT / "README.md"}[where]
    with pytest.raises(ValueError, match="folder"):
        prepare_learner_folder(target)
    assert main([str(target)]) == 2
    assert "learner folder:" in capsys.readouterr().err
