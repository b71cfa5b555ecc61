"""The quiz pipeline end to end: release, secrets, validate, autograde and feedback.

Everything runs in temporary nbgrader courses made from a copy of ``source/``,
through nbgrader's Python API in this process.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.support.course import ROOT, cell_text, read_nb, release_quiz_paths
from dncourse.instructor.feedback import NEUTRAL_MESSAGE
from dncourse.instructor.nbgrader_course import load_config
from dncourse.instructor.quizspec import near_miss_markers, nbgrader_meta, read_questions
from dncourse.instructor.release import generate_release, quiz_ids

QUIZZES = quiz_ids(ROOT)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_quiz_has_a_release_and_nothing_else_is_there():
    assert QUIZZES, "no quizzes in source/"
    assert sorted(p.name for p in (ROOT / "release").iterdir()) == QUIZZES


def test_release_is_exactly_what_nbgrader_generates_from_source():
    made = generate_release(ROOT)
    committed, fresh = _tree(ROOT / "release"), _tree(made)
    assert sorted(committed) == sorted(fresh), "release/ has different files; run `make release`"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert stale == [], f"release/ is out of date for {stale}; run `make release`"
    shutil.rmtree(made.parent)



# --- stated points agree with nbgrader ------------------------------------------------------

_STATED_TOTAL = re.compile(r"\*\*(\d+) (?:[\w-]+ )*questions worth (\d+(?:\.\d+)?) points\*\*")
_HEADING_POINTS = re.compile(r"^## Question (\d+)\.(\d+) \((\d+(?:\.\d+)?) points?\b", re.M)


@pytest.mark.parametrize("quiz", QUIZZES)
def test_stated_totals_and_question_points_match_the_nbgrader_metadata(quiz):
    """The title's question count and total, and each heading's "(N points)", equal the graded cells' points."""
    nb = read_nb(next((ROOT / "source" / quiz).glob("*.ipynb")))
    graded: dict[str, float] = {}
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade"):
            number = re.match(r"q(\d+)_(\d+)_", meta["grade_id"])
            assert number, f"{quiz}: grade id {meta['grade_id']!r} does not name its question"
            key = f"{number[1]}.{number[2]}"
            assert key not in graded, f"{quiz}: question {key} has more than one graded cell"
            graded[key] = float(meta["points"])
    stated = {f"{m[1]}.{m[2]}": float(m[3]) for cell in nb["cells"] if cell["cell_type"] == "markdown"
              for m in _HEADING_POINTS.finditer(cell_text(cell))}
    assert stated == graded, f"{quiz}: heading points differ from nbgrader points"
    total = _STATED_TOTAL.search(cell_text(nb["cells"][0]))
    assert total, f"{quiz}: the title does not state '**N questions worth M points**'"
    assert int(total[1]) == len(graded), f"{quiz}: the title says {total[1]} questions, nbgrader has {len(graded)}"
    assert float(total[2]) == sum(graded.values()), \
        f"{quiz}: the title says {total[2]} points, nbgrader gives {sum(graded.values()):g}"


# --- secrets never reach learners ----------------------------------------------------------

def test_no_solution_hidden_test_or_mark_scheme_reaches_release(canary_course):
    course, planted = canary_course
    assert sorted(p.name for p in (course / "release").iterdir()) == QUIZZES
    leaked = [(name, c) for name, data in _tree(course / "release").items() for c in planted if c.encode() in data]
    assert leaked == [], f"secrets reached release/: {leaked[:5]}"


def test_canary_check_would_catch_a_misspelt_marker(tmp_path):
    """A misspelt hidden-test marker is released by nbgrader; the near-miss check flags it."""
    text = '"""Checks."""\ncheck()\n### BEGIN HIDDEN TEST\nmark(key="B")\n### END HIDDEN TEST'
    assert near_miss_markers(text) == ["### BEGIN HIDDEN TEST", "### END HIDDEN TEST"]


@pytest.mark.parametrize("path", sorted((ROOT / "source").glob("**/*.ipynb")), ids=lambda p: p.name)
def test_source_has_no_near_miss_markers(path):
    bad = [line for cell in read_nb(path)["cells"] for line in near_miss_markers(cell_text(cell))]
    assert bad == [], f"misspelt nbgrader markers would be released silently: {bad}"


@pytest.mark.parametrize("path", release_quiz_paths(), ids=lambda p: p.parent.name)
def test_release_holds_no_answer_key_and_no_markers(path):
    text = path.read_text(encoding="utf-8")
    for secret in ("mark_answer(\"", "key=", "BEGIN SOLUTION", "HIDDEN TESTS", "MARK SCHEME"):
        assert secret not in text, secret


# --- nbgrader validate --------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator():
    from nbgrader.validator import Validator

    def make():
        config = load_config(ROOT)
        # the kernel's readiness seen at once, and the kernel stopped at once after the run
        config.AsyncKernelManager.client_class = "dncourse.instructor.kernels.PromptKernelClient"
        config.NotebookClient.shutdown_kernel = "immediate"
        return Validator(config=config)
    return make


@pytest.mark.parametrize("quiz", QUIZZES)
def test_validate_passes_on_source_and_every_test_fails_on_untouched_release(quiz, validator):
    source = next((ROOT / "source" / quiz).glob("*.ipynb"))
    release = ROOT / "release" / quiz / source.name
    assert validator().validate(str(source)) == {}, "a test fails on the instructor's own answers"
    questions = read_questions(source)
    failed = validator().validate(str(release)).get("failed", [])
    graded_cells = [c for c in read_nb(release)["cells"] if nbgrader_meta(c).get("grade")]
    # every graded cell fails, so none passes (what `nbgrader validate --invert` would report)
    assert len(failed) == len(graded_cells), "every question fails before it is answered"
    code_failures = [f for f in failed if "check_answer" in f["source"]]
    assert len(code_failures) == len(questions)
    assert all("not answered yet" in f["raw_error"] for f in code_failures)


# --- autograde round trip ------------------------------------------------------------------

@pytest.fixture(scope="module")
def graded(graded_course):
    """The shared graded course's gradebook: ``results[(quiz, case)] = (code score, {grade id: score})``."""
    from nbgrader.api import Gradebook

    results = {}
    with Gradebook(graded_course.api.coursedir.db_url) as gb:
        for (quiz, case) in graded_course.expected:
            assert case in graded_course.summaries[quiz].graded, f"{quiz}: {case} was not graded"
            submission = gb.find_submission(quiz, case)
            results[(quiz, case)] = (submission.code_score,
                                     {g.name: g.score for nb in submission.notebooks for g in nb.grades})
    return {"course": graded_course.root, "api": graded_course.api, "expected": graded_course.expected,
            "results": results}


def test_autograde_scores_match_the_answers_given(graded):
    wrong = {k: (graded["results"][k][0], v) for k, v in graded["expected"].items()
             if graded["results"][k][0] != v}
    assert wrong == {}, "autograded code scores differ from the expected ones (got, expected)"


def test_one_wrong_answer_loses_exactly_that_question(graded):
    for quiz in QUIZZES:
        questions = read_questions(next((graded["course"] / "source" / quiz).glob("*.ipynb")))
        grades = graded["results"][(quiz, "one_wrong")][1]
        assert grades[questions[0].grade_id] == 0
        assert all(grades[q.grade_id] == q.points for q in questions[1:])


def test_badly_formed_answers_score_zero_on_every_question(graded):
    for quiz in QUIZZES:
        grades = graded["results"][(quiz, "malformed")][1]
        for q in read_questions(next((graded["course"] / "source" / quiz).glob("*.ipynb"))):
            assert grades[q.grade_id] == 0


def test_feedback_holds_no_hidden_tests_mark_schemes_or_answers(graded):
    api, course = graded["api"], graded["course"]
    for quiz in QUIZZES:
        for student in ("all_wrong", "one_wrong"):
            assert api.generate_feedback(quiz, student)["success"]
        source = read_nb(next((course / "source" / quiz).glob("*.ipynb")))
        secrets = []
        for cell in source["cells"]:
            text = cell_text(cell)
            for begin, end in (("=== BEGIN SOLUTION ===", "=== END SOLUTION ==="),
                               ("### BEGIN MARK SCHEME", "### END MARK SCHEME")):
                if begin in text:
                    inner = text.split(begin)[1].split(end)[0]
                    secrets += [line.strip() for line in inner.splitlines() if len(line.strip()) > 30]
        for html_path in (course / "feedback" / "all_wrong" / quiz).glob("*.html"):
            html = re.sub(r"<[^>]+>", "", html_path.read_text(encoding="utf-8"))  # text as shown
            for leak in ("mark_answer(", "key=", "HIDDEN TESTS", "MARK SCHEME", "Traceback (most recent",
                         "WrongAnswer", "----&gt;"):
                assert leak not in html, f"{quiz} feedback shows {leak!r}"
            for secret in secrets:
                assert secret[:60] not in html, f"{quiz} feedback shows a model answer or mark scheme line"
            assert NEUTRAL_MESSAGE in html, "failed questions carry the neutral message"
