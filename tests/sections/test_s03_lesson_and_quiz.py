"""Section 3: the lesson and the quiz agree with the data files and the rules engine."""

import ast
import json
import re

import pytest

from dncourse.content.loader import load
from dncourse.instructor.quizspec import nbgrader_meta, read_questions
from dncourse.sections.s03_patient_selection.screening import RuleSet, support_counts
from tests.support.course import ROOT

LESSON = ROOT / "notebooks" / "03-patient-selection.ipynb"
QUIZ = ROOT / "source" / "s03-patient-selection" / "s03-patient-selection.ipynb"


def _cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"], c)
            for c in nb["cells"]]


def _lesson_code():
    return "\n".join(src for kind, src, _ in _cells(LESSON) if kind == "code")


def _lesson_text():
    return "\n".join(src for kind, src, _ in _cells(LESSON) if kind == "markdown")


def test_the_reference_list_covers_every_source_the_section_uses():
    calls = [n for n in ast.walk(ast.parse(_lesson_code()))
             if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "show_references"]
    assert len(calls) == 1
    listed = set(ast.literal_eval(calls[0].args[0]))
    used = {key for rule in load("screening_rules") for key in rule["ref"]}
    used |= {key for case in load("screening_cases") for key in case["refs"]}
    used |= {key for item in load("practice") if item["id"].startswith("s03_") for key in item["refs"]}
    assert used <= listed, sorted(used - listed)


def test_every_section_3_practice_check_is_used_once():
    used = re.findall(r'practice\("(s03_[a-z_]+)"\)', _lesson_code())
    defined = [p["id"] for p in load("practice") if p["id"].startswith("s03_")]
    assert sorted(used) == sorted(defined)


def test_the_figure_takeaway_matches_the_rules_file():
    counts = support_counts()
    absolute, avoid = counts["absolute"], counts["avoid_area"]
    claim = (f"only {absolute['confirmed in the primary record']} of the {sum(absolute.values())} absolute "
             f"contraindications and {avoid['confirmed in the primary record']} of the {sum(avoid.values())} "
             "areas to avoid")
    assert claim in _lesson_text()


def test_the_quiz_title_states_its_questions_and_points():
    cells = _cells(QUIZ)
    title = cells[0][1]
    auto = read_questions(QUIZ)
    manual = [c for kind, _src, c in cells if nbgrader_meta(c).get("solution") and nbgrader_meta(c).get("grade")
              and kind == "markdown"]
    total = sum(q.points for q in auto) + sum(nbgrader_meta(c)["points"] for c in manual)
    assert f"**{len(auto) + len(manual)} questions worth {total:g} points**" in title
    assert len(auto) + len(manual) >= 8 and len(manual) == 1
    assert {q.kind for q in auto} >= {"choice", "multi", "truefalse"}


# Each case question's patient, as the screening form would describe it, and the option letter
# that names the engine's decision.  If the rules or the quiz key change apart, these fail.
CASES = {
    "3.1": ({"consent_given": True, "unwilling": True, "area": "neck_shoulder"}, "do_not_needle", "C"),
    "3.2": ({"consent_given": True, "medications": ["anticoagulant"], "area": "lower_back"}, "precautions", "B"),
    "3.3": ({"consent_given": True, "pregnant": True, "area": "lower_back"}, "avoid_area", "A"),
    "3.5": ({"consent_given": True, "area": "upper_back", "build": "thin"}, "precautions", "D"),
    "3.7": ({"consent_given": True, "area": "limb", "at_site": ["lymphoedema"]}, "avoid_area", "C"),
    "3.8": ({"consent_given": True, "medications": ["myalgia_risk"], "area": "limb"}, "do_not_needle", "A"),
    "3.9": ({"consent_given": True, "area": "nipple_navel_genitals"}, "avoid_area", "D"),
}


@pytest.mark.parametrize("number", sorted(CASES))
def test_case_questions_agree_with_the_rules_engine(number):
    patient, decision, letter = CASES[number]
    assert RuleSet().screen(patient).decision == decision
    key = {q.number: q.normalised_key() for q in read_questions(QUIZ)}[number]
    assert key == letter


def test_the_multiple_select_key_is_exactly_the_absolute_contraindications():
    options = {  # the options of question 3.4, as screening-form answers
        "A": {"unwilling": True},
        "B": {"medications": ["anticoagulant"]},
        "C": {"consent_given": False},
        "D": {"conditions": ["diabetes"]},
        "E": {"emergency": True},
        "F": {"drives_after": True},
    }
    rules = RuleSet()
    absolute = {letter for letter, answers in options.items()
                if rules.screen({"consent_given": True, **answers}).decision == "do_not_needle"}
    key = {q.number: q.normalised_key() for q in read_questions(QUIZ)}["3.4"]
    assert absolute == set(key) == {"A", "C", "E"}
