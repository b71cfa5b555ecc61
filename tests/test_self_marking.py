"""Mark my quiz (dncourse/self_marking.py) and the self-marking learner edition that carries it.

* Every auto-marked question of every quiz has exactly one explanation, with sources.
* The default learner edition holds no keys, no explanations and no *Mark my quiz* step.
* The self-marking edition ends every quiz with *Mark my quiz*; run in a real kernel on a known set of
  answers, it shows the score those answers earn, the pass mark and every question's explanation.
* Unanswered and badly formed answers score nothing and are named as such.
"""

from __future__ import annotations

import json
import re

import pytest

from dncourse.answers import is_correct, normalise
from dncourse.content.loader import load
from dncourse.instructor.learner_edition import build_learner_edition, self_marking_keys
from dncourse.instructor.quizspec import nbgrader_meta, read_questions
from dncourse.instructor.release import quiz_ids
from dncourse.self_marking import SelfMarkingUnavailable, mark_quiz, quiz_keys, report_markdown
from tests.support.course import ROOT

QUIZZES = quiz_ids(ROOT)
QUIZ = "s01-what-is-dry-needling"


def _source(quiz: str):
    return next((ROOT / "source" / quiz).glob("*.ipynb"))


def test_every_auto_marked_question_has_one_explanation_with_sources():
    explained = [row["id"] for row in load("explanations")]
    assert len(explained) == len(set(explained)), "a question is explained twice"
    questions = [q.number for quiz in QUIZZES for q in read_questions(_source(quiz))]
    assert len(questions) >= 100
    assert sorted(set(questions) - set(explained)) == [], "auto-marked questions without an explanation"
    assert sorted(set(explained) - set(questions)) == [], "explanations of questions that do not exist"
    assert all(row["refs"] for row in load("explanations"))


def _wrong(question):
    """A well-formed answer to ``question`` that is not its key."""
    key = question.normalised_key()
    options = question.spec.get("options", "ABCD")
    if question.kind == "truefalse":
        return not key
    if question.kind == "number":
        return float(key) + 100
    if question.kind == "choice":
        return next(o for o in options if o != key)
    if question.kind == "order":
        return "".join(reversed(key))
    return next(o for o in options if o not in key)  # multi: a single letter that is not in the key


def _answers(quiz: str) -> tuple[dict, float]:
    """Answers for ``quiz``: right for every other question, wrong or missing for the rest; and their score."""
    answers, score = {}, 0.0
    for index, question in enumerate(read_questions(_source(quiz))):
        if index % 3 == 2:
            continue  # left unanswered
        value = question.key if index % 3 == 0 else _wrong(question)
        answers[question.variable] = value
        if is_correct(value, question.kind, question.key, tolerance=question.tolerance, **question.spec):
            score += question.points
    return answers, score


@pytest.fixture(scope="module")
def self_marking_edition(tmp_path_factory):
    return build_learner_edition(tmp_path_factory.mktemp("self-marking") / "edition", root=ROOT, self_marking=True)


@pytest.fixture(scope="module")
def default_edition(tmp_path_factory):
    return build_learner_edition(tmp_path_factory.mktemp("default") / "edition", root=ROOT)


def test_the_default_edition_carries_no_keys_explanations_or_marking(default_edition):
    out = default_edition
    assert not (out / "dncourse" / "content" / "self_marking_keys.json").exists()
    assert not (out / "dncourse" / "content" / "data" / "explanations").exists()
    sample = [row["explanation"] for row in load("explanations")][::10]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file()
             and p.suffix in (".ipynb", ".csv", ".json", ".md", ".py")]
    assert not [s for s in sample if any(s in t for t in texts)], "an explanation reached the default edition"
    notebooks = [p.read_text(encoding="utf-8") for p in out.rglob("*.ipynb")]
    assert notebooks and not [t for t in notebooks if "mark_my_quiz(" in t]
    assert "must never be used where grades count" not in (out / "README.md").read_text(encoding="utf-8")


def test_the_self_marking_edition_ends_every_quiz_with_mark_my_quiz(self_marking_edition):
    out = self_marking_edition
    for quiz in QUIZZES:
        nb = json.loads(next((out / "release" / quiz).glob("*.ipynb")).read_text(encoding="utf-8"))
        last = "".join(nb["cells"][-1]["source"])
        assert last == f"from dncourse.self_marking import mark_my_quiz\nmark_my_quiz({quiz!r}, globals())"
        assert not nbgrader_meta(nb["cells"][-1])
    assert "must never be used where grades count" in (out / "README.md").read_text(encoding="utf-8")
    keys = json.loads((out / "dncourse" / "content" / "self_marking_keys.json").read_text(encoding="utf-8"))
    assert sorted(keys) == QUIZZES
    assert (out / "dncourse" / "content" / "data" / "explanations").is_dir()


def test_mark_my_quiz_in_a_kernel_shows_the_score_the_answers_earn(self_marking_edition):
    from dncourse.runner import run_notebook
    import nbformat

    out = self_marking_edition
    path = next((out / "release" / QUIZ).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    answers, expected = _answers(QUIZ)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id", "")
        variable = "answer_" + grade_id[1:].split("_", 2)[0] + "_" + grade_id[1:].split("_", 2)[1] if grade_id.startswith("a") else None
        if variable in answers:
            cell.source = f"{variable} = {answers[variable]!r}"
    ran = run_notebook(nb, cwd=path.parent, env={"PYTHONPATH": str(out)}, allow_errors=True)
    report = "".join(o.get("data", {}).get("text/markdown", "") for o in ran.cells[-1].outputs)
    possible = sum(q.points for q in read_questions(_source(QUIZ)))
    assert f"Your score: {expected:g} of {possible:g} points" in report, report[:400]
    assert "pass mark is 80%" in report
    assert report.count("✔ right") + report.count("✘ wrong") + report.count("✘ not answered") == len(
        read_questions(_source(QUIZ)))
    first = load("explanations")[0]
    assert first["explanation"] in report


def test_marking_names_unanswered_and_badly_formed_answers(tmp_path):
    keys = self_marking_keys(ROOT)
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(keys), encoding="utf-8")
    questions = read_questions(_source(QUIZ))
    first, second = questions[0], questions[1]
    result = mark_quiz(QUIZ, {first.variable: first.key, second.variable: "not a letter at all"}, keys_file=path)
    marks = {q.number: q for q in result.questions}
    assert marks[first.number].status == "right" and marks[first.number].earned == first.points
    assert marks[second.number].status == "not in the right form" and marks[second.number].earned == 0
    assert marks[questions[2].number].status == "not answered"
    assert result.earned == first.points and not result.passed
    text = report_markdown(result)
    assert f"Your score: {first.points:g} of {result.possible:g} points" in text and "Not yet at the pass mark" in text
    perfect = mark_quiz(QUIZ, {q.variable: q.key for q in questions}, keys_file=path)
    assert perfect.passed and perfect.earned == perfect.possible
    assert "You reached the pass mark" in report_markdown(perfect)


def test_the_right_answer_is_shown_in_words():
    keys = self_marking_keys(ROOT)
    for quiz, entries in keys.items():
        for entry in entries["questions"]:
            if entry["kind"] in ("choice", "multi"):
                key = normalise(entry["key"], entry["kind"], **entry["spec"])
                letters = [key] if entry["kind"] == "choice" else list(key)
                assert all(re.search(rf"\b{letter}\. \S", entry["shown"]) for letter in letters), (quiz, entry)
            if entry["kind"] == "written":
                assert len(entry["model_answer"]) > 50, (quiz, entry["number"])


def test_a_copy_without_keys_says_it_does_not_mark(tmp_path):
    with pytest.raises(SelfMarkingUnavailable, match="not the self-marking edition"):
        quiz_keys(QUIZ, keys_file=tmp_path / "absent.json")
