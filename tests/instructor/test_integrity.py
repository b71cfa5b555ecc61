"""Grading integrity: an adversarial corpus against the quizzes, the sandbox, and the tampering scan."""

from __future__ import annotations

import pytest

from tests.support.course import IN_CI, ROOT
from dncourse.instructor.integrity.tamper_scan import scan_cell
from dncourse.instructor.quizspec import read_questions
from dncourse.instructor.records import verified_results
from dncourse.instructor.release import quiz_ids
from dncourse.instructor.integrity.sandbox import sandbox_available

QUIZZES = quiz_ids(ROOT)


@pytest.fixture(scope="module")
def attacked(graded_course):
    """``(course, corpora, summaries)`` of the shared graded course (tests/instructor/conftest.py)."""
    return graded_course.root, graded_course.corpora, graded_course.summaries


def _flagged(summary, learner):
    return [str(p) for p in summary.problems if p.learner == learner]


@pytest.mark.parametrize("quiz", QUIZZES)
def test_grading_completes_and_no_forged_credit_goes_unflagged(attacked, quiz):
    course, corpora, summaries = attacked
    summary = summaries[quiz]
    total = sum(q.points for q in read_questions(next((course / "source" / quiz).glob("*.ipynb"))))
    for learner, (_nb, _when, attack) in corpora[quiz].items():
        honest = total if attack.honest else 0.0
        assert learner in summary.graded or _flagged(summary, learner), f"{learner} vanished from grading"
        assert summary.verified.get(learner, 0.0) == pytest.approx(honest), f"{learner}: verified score"
        credit = summary.scores.get(learner, (0.0, 0.0))[0]
        integrity = [p for p in _flagged(summary, learner) if "INTEGRITY" in p or "STALE" in p or "failed" in p]
        if credit > honest + 1e-9:
            assert integrity, f"{learner} got {credit} from nbgrader for answers worth {honest}, unflagged"
        if attack.must_flag:
            assert _flagged(summary, learner), f"{attack.name} was not flagged"


def test_the_attacks_do_fool_nbgrader_alone(attacked):
    """Proof that the threat is real: without the verification these would get full marks."""
    course, corpora, summaries = attacked
    quiz = QUIZZES[0]
    forged = {name for name in ("atk_input_transformer", "atk_ast_transformer", "atk_shadow_mark_answer",
                                "atk_custom_exception_handler", "atk_monkeypatch_module")
              if summaries[quiz].scores.get(name, (0, 0))[0] > 0}
    assert len(forged) >= 3, f"only {forged} fooled nbgrader"


def test_training_records_use_the_verified_score(attacked):
    course, corpora, _ = attacked
    rows = {(r.learner, r.quiz): r for r in verified_results(course)}
    for quiz in QUIZZES:
        for learner, (_nb, _when, attack) in corpora[quiz].items():
            row = rows.get((learner, quiz))
            if row is None:
                continue  # the submission could not be graded at all: no record
            if not attack.honest:
                assert row.score == 0, f"{learner}, {quiz}: record gives {row.score}"
            if attack.must_flag:
                assert row.integrity_flags > 0


def test_integrity_report_lists_the_flags(attacked):
    course, _, _ = attacked
    text = (course / "reports" / QUIZZES[0] / "integrity.csv").read_text()
    for name in ("atk_input_transformer", "atk_deleted_answer_cell", "atk_changed_cell_type"):
        assert name in text


def test_sandbox_protects_the_course_where_this_test_runs(attacked):
    course, _, summaries = attacked
    protected = sandbox_available()
    if IN_CI:
        assert protected, "CI installs bubblewrap (debian-packages.txt); the sandbox must work there"
    gradebook_intact = b"tampered" not in (course / "gradebook.db").read_bytes()
    source_intact = "tampered" not in (course / "source" / "header.ipynb").read_text()
    if protected:
        assert "bubblewrap sandbox" in summaries[QUIZZES[0]].protection
        assert gradebook_intact and source_intact, "learner code changed the course despite the sandbox"
    else:
        assert summaries[QUIZZES[0]].protection.startswith("none"), "an unprotected run must say so"


@pytest.mark.parametrize("code, expected", [
    ("answer_1_1 = 'A'", []),
    ("get_ipython().input_transformers_cleanup.append(f)", "input transformer"),
    ("import sys\nsys.modules['x'] = 1", "sys.modules"),
    ("class A:\n    def __eq__(self, o): return True", "__eq__"),
    ("open('/etc/passwd')", "outside its folder"),
    ("import os\nos._exit(0)", "kills the process"),
    ("%load_ext x", "magic"),
    ("x = (", "not valid Python"),
])
def test_scan_finds_tampering_patterns(code, expected):
    found = scan_cell(code)
    if expected == []:
        assert found == []
    else:
        assert any(expected in f for f in found), found
