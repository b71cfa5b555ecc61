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
    "3.16": ({"consent_given": True, "red_flags": ["cauda_equina"], "area": "lower_back"}, "do_not_needle", "D"),
    "3.18": ({"consent_given": True, "implanted_device": True, "electrical": True, "area": "upper_back"},
             "avoid_area", "B"),
    "3.20": ({"consent_given": True, "medications": ["anticoagulant"], "at_site": ["lymphoedema"], "area": "limb"},
             "avoid_area", "A"),
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


# --- issue 19: objectives, the new lesson parts and the new questions ---------------------------------

def _keys():
    return {q.number: q.normalised_key() for q in read_questions(QUIZ)}


def _question_text(number):
    return next(src for kind, src, _ in _cells(QUIZ) if kind == "markdown" and src.startswith(f"## Question {number} "))


def _option(number, letter):
    match = re.search(rf"- \*\*{letter}\.\*\* (.+)", _question_text(number))
    return match.group(1)


def test_the_objectives_include_red_flags_and_electrical_needling_and_the_time_fits_an_hour():
    first = _cells(LESSON)[0][1]
    objectives = re.findall(r"^(\d+)\. (.+)$", first, re.M)
    assert [int(n) for n, _ in objectives] == list(range(1, 9))
    text = dict(objectives)
    assert "red flags" in text["6"] and "stop and refer" in text["6"] and "not as a checklist that clears" in text["6"]
    assert "electrical current" in text["7"] and "no guideline was found" in text["7"]
    assert "statins" in text["5"]
    minutes = int(re.search(r"about (\d+) minutes for the lesson", first).group(1))
    assert minutes <= 60


def test_the_lesson_has_the_red_flag_and_electrical_parts_with_their_tables():
    headings = re.findall(r"^## (3\.\d) (.+)$", _lesson_text(), re.M)
    assert [n for n, _ in headings] == [f"3.{i}" for i in range(1, 10)]
    titles = dict(headings)
    assert titles["3.6"].startswith("Red flags") and titles["3.7"].startswith("Electrical dry needling")
    code = _lesson_code()
    assert 'show_rules("refer")' in code and 'show_sheet_section_rules("13")' in code
    # each new part closes with its takeaway, before the next part starts
    parts = re.split(r"^## (?=3\.\d )", _lesson_text(), flags=re.M)
    by_number = {part[:3]: part for part in parts if part[:3] in ("3.6", "3.7")}
    for number, part in by_number.items():
        assert "\n**Takeaway:** " in part, number
    assert len(by_number) == 2


def test_the_lesson_teaches_the_statin_steps_red_flags_and_electrical_limits_as_the_sheet_has_them():
    text = _lesson_text()
    for words in ("**Do not needle today.**", "**Refer the patient back to their prescriber**",
                  "**Never advise stopping the statin.**", "within 4-6 weeks", "7-29%", "more than 12 weeks",
                  "a limb at risk of lymphoedema", "**no safe cut-off**",
                  "a history of cancer", "unexplained weight loss", "fever", "weakness or numbness that is getting worse",
                  "Cauda equina syndrome is an emergency", "not a checklist that clears", "false reassurance",
                  "**No current across the chest in anyone with a pacemaker or ICD.**",
                  "No guideline was found that names **epilepsy**", "**your local policy decides**",
                  "could not be confirmed for this course"):
        assert words in text, words
    for phrase in ("hours to days", "do not let the patient drive", "keep the patient upright", "peer-reviewed"):
        assert phrase not in text.lower(), phrase


def test_the_red_flag_question_key_is_exactly_the_stop_and_refer_findings():
    options = {  # the options of question 3.15, as screening-form answers
        "A": {"red_flags": ["cancer_history"]},
        "B": {"red_flags": ["weight_loss"]},
        "C": {"medications": ["anticoagulant"]},
        "D": {"red_flags": ["fever"]},
        "E": {"red_flags": ["progressive_neuro"]},
        "F": {"drives_after": True},
    }
    rules = RuleSet()
    refer = {letter for letter, answers in options.items()
             if any(f.category == "refer" for f in rules.screen({"consent_given": True, **answers}).findings)}
    assert refer == set(_keys()["3.15"]) == {"A", "B", "D", "E"}
    assert "getting worse" in _option("3.15", "E") and "cancer" in _option("3.15", "A")


def test_the_new_question_keys_say_what_the_lesson_and_the_rules_say():
    keys = _keys()
    rules = {r["id"]: r for r in load("screening_rules")}
    text = _lesson_text()
    # 3.12: who and where, both halves right only in the key
    assert keys["3.12"] == "C"
    assert "Myofascial pain with trigger points" in _option("3.12", "C") and "active treatment plan" in _option("3.12", "C")
    assert "myofascial pain and trigger points" in text and "one part of an active treatment plan" in text
    # 3.13: conditions that mimic muscle pain (Kearns et al. 2019)
    assert keys["3.13"] == "A" and "mimic muscle pain" in _option("3.13", "A")
    # 3.14: never advise stopping the statin
    assert keys["3.14"] is False and "Never advise stopping the statin" in rules["myalgia_medicine"]["action"]
    # 3.16: cauda equina is an emergency
    assert "emergency" in _option("3.16", "D") and "emergency" in rules["red_flag_cauda_equina"]["action"]
    # 3.17: no red flags does not clear a patient
    assert keys["3.17"] is False and "poor sensitivity" in rules["red_flag_cauda_equina"]["why"]
    # 3.18: no current across the chest with a pacemaker
    assert "No current across the chest in anyone with a pacemaker" in _option("3.18", "B")
    # 3.19: epilepsy and electrical needling: no guideline found
    assert keys["3.19"] == "C" and "No guideline was found" in _option("3.19", "C")
    # 3.7: a limb at risk of lymphoedema, not swollen, is still avoided
    assert "at risk of lymphoedema" in _question_text("3.7") and "or at risk of it" in _option("3.7", "C")


def test_the_lesson_runs_headless_and_shows_the_new_tables():
    from dncourse.runner import run_notebook

    nb = run_notebook(LESSON)
    shown = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output.get("evalue")
            assert output.get("name") != "stderr", output.get("text")
            shown.append(output.get("data", {}).get("text/markdown", ""))
    shown = "\n".join(shown).replace("&amp;", "&")
    for rule in load("screening_rules"):
        if rule["category"] == "refer" or rule["sheet_section"] == "13":
            assert rule["condition"] in shown, rule["id"]
