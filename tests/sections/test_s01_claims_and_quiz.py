"""Section 1: the article's claims in the myth widget, quoted exactly and checked against the fact sheet;
the lesson run headless; the quiz keys that check the claims."""

from __future__ import annotations

import re

import pytest

from dncourse.answers import is_correct
from dncourse.content.loader import load
from dncourse.instructor.quizspec import read_questions
from dncourse.sections.s01_what_is_dry_needling.myths import CHOICES, MythOrFact
from tests.support.course import ROOT, cell_text, read_nb

LESSON = ROOT / "notebooks" / "01-what-is-dry-needling.ipynb"
QUIZ = ROOT / "source" / "s01-what-is-dry-needling" / "s01-what-is-dry-needling.ipynb"
MYTHS = {m["id"]: m for m in load("myths")}
NEW = ("tendons_ligaments", "injury_risk", "quality_of_life")


def _part(sheet: str, start: str, end: str) -> str:
    """The fact sheet from ``start`` up to ``end``."""
    return sheet[sheet.index(start):sheet.index(end, sheet.index(start))]


# --- the claims are the article's own words -------------------------------------------------

@pytest.mark.parametrize("myth_id", sorted(MYTHS))
def test_every_claim_is_quoted_exactly_from_the_article(seed_article, myth_id):
    """Each claim is the article's words; an ellipsis marks words left out, and the parts keep their order."""
    claim = MYTHS[myth_id]["claim"]
    position = 0
    for part in claim.split("\u2026"):
        part = part.strip()
        found = seed_article.find(part, position)
        assert part and found >= 0, f"{myth_id}: {part!r} is not in the article (after character {position})"
        position = found + len(part)


def test_the_three_new_claims_are_in_the_widget_data():
    assert set(NEW) <= set(MYTHS)
    assert "tendons, and ligaments" in MYTHS["tendons_ligaments"]["claim"]
    assert "reduce the risk of injury" in MYTHS["injury_risk"]["claim"]
    assert "quality of life" in MYTHS["quality_of_life"]["claim"] and "wellbeing" in MYTHS["quality_of_life"]["claim"]


# --- the new claims agree with the fact sheet (N58-N61) -------------------------------------

def test_tendons_and_ligaments_claim_agrees_with_n58_and_n59(fact_sheet):
    n58, n59 = _part(fact_sheet, "**[N58]**", "**[N59]**"), _part(fact_sheet, "**[N59]**", "**[N60]**")
    myth = MYTHS["tendons_ligaments"]
    assert "skeletal muscle" in n58 and "skeletal muscle" in myth["evidence"]
    assert "**inaccurate**" in n58 and myth["verdict"].startswith("Inaccurate")
    assert myth["accept"] == ["not supported"]
    for words in ("initial support", "level B", "eccentric exercise", "very low"):      # N59's three sources
        assert words.lower() in n59.lower() and words.lower() in myth["evidence"].lower(), words
    assert "7 studies" in n59 and "7 studies" in myth["evidence"]
    assert "10 studies" in n59 and "10 studies" in myth["evidence"]
    assert myth["refs"] == ["shah2015", "stoychev2020", "giorgi2022", "tendinopathy_review"]


def test_injury_claim_agrees_with_n60(fact_sheet):
    n60 = _part(fact_sheet, "**[N60]**", "**[N61]**")
    myth = MYTHS["injury_risk"]
    assert "no trial or systematic review was found that measured injury incidence" in n60
    assert "No trial or systematic review was found that measured how often injuries happen" in myth["evidence"]
    assert "**unsupported**" in n60 and myth["accept"] == ["not supported"]
    assert "24 studies" in n60 and "24 studies" in myth["evidence"]
    assert "only 6 studies" in n60 and "only 6 studies" in myth["evidence"]


def test_quality_of_life_claim_agrees_with_n61(fact_sheet):
    n61 = _part(fact_sheet, "**[N61]**", "## Corrections and qualifications")
    myth = MYTHS["quality_of_life"]
    assert "only 4 of the 25 trials tested DN" in n61 and "only 4 of its 25 trials tested dry needling" in myth["evidence"]
    assert "**short-term**" in n61 and "short term" in myth["evidence"]
    assert "No review was found with \"wellbeing\" as an outcome" in n61
    assert "No review was found that measured wellbeing" in myth["evidence"]
    assert "weakly supported, short-term only" in n61 and "weakly supported, short term only" in myth["verdict"]
    assert "supported" not in myth["accept"] and "needs context" in myth["accept"]
    assert "6 of 19 RCTs" in fact_sheet and "improved in 6" in myth["evidence"]        # Boyles 2015
    assert "15 RCTs" in fact_sheet and "review of 15 trials" in myth["evidence"]       # Espejo-Antúnez 2017


def test_new_sources_are_in_the_reference_tables_with_the_fact_sheet_details(fact_sheet):
    refs = {r["id"]: r for r in load("references")}
    for key, needle in [("shah2015", "PMC4508225"), ("stoychev2020", "10.1007/s12178-020-09608-0"),
                        ("giorgi2022", "10.1123/jsr.2021-0200"), ("tendinopathy_review", "10.1080/09593985.2021.1920076"),
                        ("overhead2024", "10.3390/sports12060156")]:
        assert needle in fact_sheet
        assert needle in refs[key]["citation"] or needle == refs[key].get("doi"), key
    assert refs["overhead2024"]["verification"] == "partly verified"       # authors and title were not captured


# --- the widget shows the new claims ---------------------------------------------------------

@pytest.mark.parametrize("myth_id, words, source", [
    ("tendons_ligaments", "tendons, and ligaments", "Shah et al. 2015"),
    ("injury_risk", "reduce the risk of injury", "Overhead-athlete review 2024"),
    ("quality_of_life", "overall health and wellbeing", "Valera-Calero et al. 2022"),
])
def test_widget_steps_to_each_new_claim_and_shows_its_evidence(myth_id, words, source):
    quiz = MythOrFact()
    while quiz.current["id"] != myth_id:
        quiz.answer(quiz.current["accept"][0])
        quiz.next_button.click()
    assert words in quiz.claim.value
    assert f"Claim {quiz.index + 1} of {len(MYTHS)}" in quiz.progress.value
    quiz.buttons[list(CHOICES).index("supported")].click()                # none of the three is supported
    assert "The evidence says otherwise" in quiz.feedback.value
    assert source in quiz.feedback.value and MYTHS[myth_id]["verdict"].split(":")[0] in quiz.feedback.value


def test_widget_counts_all_eleven_claims():
    quiz = MythOrFact()
    assert quiz.claims[0]["id"] == "relatively_new" and len(quiz.claims) == 11
    for claim in quiz.claims:
        quiz.answer("not supported")
        quiz.next()
    right = sum("not supported" in c["accept"] for c in quiz.claims)
    assert quiz.score == right and f"{right} of 11 matched" in quiz.feedback.value


# --- the lesson ------------------------------------------------------------------------------

def test_lesson_text_corrects_the_tendon_wording_and_lists_its_source():
    cells = read_nb(LESSON)["cells"]
    text = "\n".join(cell_text(c) for c in cells if c["cell_type"] == "markdown")
    assert "**skeletal muscle**" in text and "(Shah et al. 2015)" in text
    assert '"in muscles, tendons, and ligaments"' in text
    refs = next(cell_text(c) for c in cells if "show_references(" in cell_text(c))
    assert "'shah2015'" in refs
    assert "about 38 minutes for the lesson" in cell_text(cells[0])


def test_lesson_runs_headless_and_shows_the_myth_widget():
    from dncourse.runner import run_notebook

    nb = run_notebook(LESSON)
    widget_cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "MythOrFact()")
    kinds = {k for out in widget_cell.outputs for k in out.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in kinds
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error" and out.get("name") != "stderr", cell.source


# --- the quiz --------------------------------------------------------------------------------

def test_question_1_3_checks_the_tendon_wording():
    heading = next(cell_text(c) for c in read_nb(QUIZ)["cells"] if cell_text(c).startswith("## Question 1.3 "))
    assert '"trigger points in muscles, tendons, and ligaments"' in heading
    assert "**A.** In tendons and ligaments as often as in muscle" in heading
    q = {q.number: q for q in read_questions(QUIZ)}["1.3"]
    assert q.normalised_key() == "C"
    assert is_correct("C", q.kind, q.key, **q.spec)
    for wrong in "ABD":
        assert not is_correct(wrong, q.kind, q.key, **q.spec)
