"""The final assessment (and the section 6 quiz): pass mark, points, case-based questions on all six sections."""

import re

import pytest

from tests.support.course import ROOT, cell_text, read_nb
from dncourse.answers import is_correct
from dncourse.content.course import PASS_MARK
from dncourse.instructor.quizspec import nbgrader_meta, read_questions

FINAL = ROOT / "source" / "s07-final-assessment" / "s07-final-assessment.ipynb"
FINAL_RELEASE = ROOT / "release" / "s07-final-assessment" / "s07-final-assessment.ipynb"
QUIZ6 = ROOT / "source" / "s06-consent-and-records" / "s06-consent-and-records.ipynb"
NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty").split()
NUMBER_WORDS += [f"twenty-{word}" for word in NUMBER_WORDS[1:10]] + ["thirty"]


def _title(path):
    return next(cell_text(c) for c in read_nb(path)["cells"]
                if c["cell_type"] == "markdown" and cell_text(c).startswith("# "))


def _points(path):
    """Total points of every graded cell: auto-marked tests and written answers."""
    return sum(float(nbgrader_meta(c).get("points", 0)) for c in read_nb(path)["cells"]
               if nbgrader_meta(c).get("grade"))


def _headings(path):
    return [cell_text(c) for c in read_nb(path)["cells"]
            if c["cell_type"] == "markdown" and cell_text(c).startswith("## Question ")]


# --- the pass mark ------------------------------------------------------------------------

@pytest.mark.parametrize("path", [FINAL, FINAL_RELEASE], ids=["source", "release"])
def test_the_pass_mark_in_the_title_cell_is_the_package_pass_mark(path):
    title = _title(path)
    assert title.startswith("# Final assessment")
    stated = re.findall(r"Pass mark: (\d+(?:\.\d+)?)%", title)
    assert stated, "the title cell states the pass mark as 'Pass mark: NN%'"
    assert float(stated[0]) == pytest.approx(PASS_MARK * 100)
    # every percentage in the title cell is that pass mark
    assert {float(p) for p in re.findall(r"(\d+(?:\.\d+)?)%", title)} == {PASS_MARK * 100}


def test_the_points_needed_to_pass_match_the_pass_mark_and_the_total():
    title = _title(FINAL)
    needed, total = map(int, re.search(r"\*\*(\d+) of (\d+) points\*\*", title).groups())
    assert total == _points(FINAL)
    assert needed == pytest.approx(PASS_MARK * total)
    assert re.search(rf"worth {total} points", title)


def test_the_title_states_the_right_number_of_questions_and_time():
    title = _title(FINAL)
    count = int(re.search(r"(\d+) case-based questions", title).group(1))
    assert count == len(_headings(FINAL)) >= 12
    auto = len(read_questions(FINAL))
    assert f"{NUMBER_WORDS[auto]} are marked automatically" in title
    from dncourse.content.loader import load
    minutes = next(r["quiz_minutes"] for r in load("sections") if r["quiz"] == "s07-final-assessment")
    assert f"about {minutes} minutes" in title


# --- case-based questions on all six sections ---------------------------------------------

def test_at_least_twelve_auto_marked_case_questions():
    cases = [h for h in _headings(FINAL) if "**Case.**" in h]
    assert len(cases) == len(_headings(FINAL))
    assert len([h for h in cases if "marked by your instructor" not in h]) >= 12


def test_the_questions_draw_on_all_six_sections():
    sections = [int(s) for h in _headings(FINAL) for s in re.findall(r"\*Draws on Section (\d)\.\*", h)]
    assert len(sections) == len(_headings(FINAL)), "every question names the section it draws on"
    assert set(sections) == {1, 2, 3, 4, 5, 6}
    assert all(sections.count(n) >= 2 for n in range(1, 7))


def test_at_least_three_kinds_and_a_written_answer():
    kinds = {q.kind for q in read_questions(FINAL)}
    assert {"choice", "multi", "truefalse", "number", "order"} <= kinds
    written = [c for c in read_nb(FINAL)["cells"] if nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")]
    assert len(written) == 1 and nbgrader_meta(written[0])["points"] == 4


def test_computed_answers_follow_from_the_fact_sheet_values(fact_sheet):
    keys = {q.number: q for q in read_questions(FINAL)}
    # 7.3: pain 6 -> 4.5 out of 10
    assert keys["7.3"].key == pytest.approx((6 - 4.5) / 6 * 100)
    # 7.4: 25% is below Farrar's ~30%
    assert "about **30%**" in fact_sheet and keys["7.4"].key is (keys["7.3"].key >= 30)
    # 7.9: rule of three, 0 events in 3000
    assert "roughly **3/n**" in fact_sheet
    assert keys["7.9"].key == pytest.approx(3 / 3000 * 100)
    assert is_correct("0.1%", "number", keys["7.9"].key, tolerance=keys["7.9"].tolerance, percent=True)
    assert not is_correct("0.3%", "number", keys["7.9"].key, tolerance=keys["7.9"].tolerance, percent=True)


def test_the_facts_the_cases_rely_on_are_in_the_fact_sheet(fact_sheet):
    text = "\n".join(_headings(FINAL))
    for phrase, sheet in [
        ("62 runners", "62 marathon/half-marathon runners"),
        ("2022 review of 6 trials", "A 2022 SR (6 trials, spinal pain)"),
        ("about 30%", "about **30%**"),
        ("3000", None),
        ("In 2016", "15 Apr 2016"),
        ("Maryland", "Maryland 1984"),
    ]:
        assert phrase in text, phrase
        if sheet:
            assert sheet in fact_sheet, sheet


# --- the section 6 quiz ---------------------------------------------------------------------

def test_quiz_6_title_matches_its_questions_and_points():
    title = _title(QUIZ6)
    count, total = map(int, re.search(r"\*\*(\d+) questions worth (\d+) points\*\*", title).groups())
    assert count == len(_headings(QUIZ6)) >= 8
    assert total == _points(QUIZ6)


def test_quiz_6_has_the_written_pneumothorax_explanation_with_a_mark_scheme():
    cells = read_nb(QUIZ6)["cells"]
    heading = next(cell_text(c) for c in cells if cell_text(c).startswith("## Question 6.10"))
    assert "marked by your instructor" in heading and "pneumothorax" in heading
    written = next(c for c in cells if nbgrader_meta(c).get("grade_id") == "q6_10_explain_ptx")
    assert nbgrader_meta(written)["solution"] and nbgrader_meta(written)["points"] == 3
    scheme = next(cell_text(c) for c in cells if nbgrader_meta(c).get("grade_id") == "m6_10_explain_ptx")
    assert "### BEGIN MARK SCHEME" in scheme and "### END MARK SCHEME" in scheme
    for words in ("rare", "warning signs", "after the patient has left", "urgent medical help"):
        assert words in scheme, words


def test_quiz_6_soreness_key_is_the_fact_sheet_value(fact_sheet):
    keys = {q.number: q.key for q in read_questions(QUIZ6)}
    assert f"less than {keys['6.3']} h" in fact_sheet
    assert f"**{keys['6.8']} lost/forgotten needles" in fact_sheet


def test_the_section_6_lesson_states_the_same_pass_mark():
    lesson = ROOT / "notebooks" / "06-consent-and-records.ipynb"
    text = "\n".join(cell_text(c) for c in read_nb(lesson)["cells"] if c["cell_type"] == "markdown")
    stated = re.findall(r"you need (\d+)% of its points", text)
    assert stated and {float(s) for s in stated} == {PASS_MARK * 100}
