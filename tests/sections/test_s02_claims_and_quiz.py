"""Section 2: the new benefit cards (injury risk, quality of life) against the fact sheet, the
"generally no better, sometimes slightly better" wording wherever active treatments are compared,
every benefit of objective 2.1 in the quiz, and the lesson run headless."""

from __future__ import annotations

import csv
import json
import re

import pytest

from dncourse.answers import is_correct
from dncourse.content.loader import DATA_DIR, load
from dncourse.instructor.quizspec import read_questions
from dncourse.sections.s02_benefits_and_evidence.benefits import benefit_markdown, benefits
from tests.support.course import ROOT, cell_text, read_nb

LESSON = ROOT / "notebooks" / "02-benefits-and-evidence.ipynb"
LESSON_01 = ROOT / "notebooks" / "01-what-is-dry-needling.ipynb"
QUIZ = ROOT / "source" / "s02-benefits-and-evidence" / "s02-benefits-and-evidence.ipynb"
QUIZ_01 = ROOT / "source" / "s01-what-is-dry-needling" / "s01-what-is-dry-needling.ipynb"
ROWS = {r["id"]: r for r in load("benefits")}


def _part(sheet: str, start: str, end: str) -> str:
    """The fact sheet from ``start`` up to ``end``."""
    return sheet[sheet.index(start):sheet.index(end, sheet.index(start))]


def _cells(path):
    return {c["id"]: cell_text(c) for c in read_nb(path)["cells"]}


def _headings(path) -> dict[str, str]:
    """Question number -> the text of its heading cell."""
    found = {}
    for text in _cells(path).values():
        m = re.match(r"## Question (\d+\.\d+) ", text)
        if m:
            found[m[1]] = text
    return found


# --- the new cards agree with the fact sheet -------------------------------------------------

def test_injury_card_agrees_with_n60(fact_sheet, seed_article):
    n60 = _part(fact_sheet, "**[N60]**", "**[N61]**")
    row = ROWS["injury_risk"]
    assert row["article_claim"] in seed_article and "reduce the risk of injury" in row["article_claim"]
    assert "no trial or systematic review was found that measured injury incidence" in n60
    assert row["what_found"].startswith("No trial or systematic review was found that measured how often injuries")
    assert "**unsupported**" in n60 and row["verdict"].startswith("Not supported")
    assert "Kużdżał 2025, 24 studies" in n60 and "24 studies in 580 athletes" in row["what_found"]
    assert "pain, strength, muscle activity and ROM" in n60 and "pain, strength, muscle activity and range of motion" in row["what_found"]
    assert "only 6 studies" in n60 and "only 6 studies" in row["what_found"]
    assert row["refs"] == ["kuzdzal2025", "overhead2024"]


def test_quality_of_life_card_agrees_with_n61(fact_sheet, seed_article):
    n61 = _part(fact_sheet, "**[N61]**", "## Corrections and qualifications")
    row = ROWS["quality_of_life"]
    assert row["article_claim"] in seed_article and "wellbeing" in row["article_claim"]
    assert "only 4 of the 25 trials tested DN" in n61 and "only 4 of its 25 trials tested dry needling" in row["what_found"]
    assert "**weakly supported, short-term only**" in n61 and "weakly supported, short term only" in row["verdict"]
    assert "\"Overall health and wellbeing\" is **unsupported**" in n61 and "wellbeing: not supported" in row["verdict"]
    assert "No review was found with \"wellbeing\" as an outcome" in n61
    assert "No review was found that measured wellbeing" in row["what_found"]
    assert "Espejo-Antúnez 2017 (short-term QoL gain versus sham/no treatment)" in n61
    assert "Boyles 2015 (a function or QoL item improved in 6 of 19 RCTs)" in n61
    assert "improved in 6" in row["what_found"] and "19 high-quality trials" in row["what_found"]
    assert row["refs"] == ["valera2022", "espejo2017", "boyles2015"]


def test_the_new_cards_show_their_sources():
    injury = benefit_markdown("injury_risk")
    assert "Kużdżał et al. 2025; Overhead-athlete review 2024" in injury and "Verdict: Not supported" in injury
    qol = benefit_markdown("quality_of_life")
    assert "Valera-Calero et al. 2022; Espejo-Antúnez et al. 2017; Boyles et al. 2015" in qol


# --- "generally no better, sometimes slightly better" against active treatments --------------

def test_pain_against_active_treatments_uses_the_fact_sheet_numbers(fact_sheet):
    gattie = _part(fact_sheet, "- **Gattie, Cleland & Snodgrass (2017)**", "- **Kietrys")
    assert "Immediate to 12 weeks" in gattie and "**or other treatments**" in gattie
    liu = _part(fact_sheet, "- **Liu et al. (2018)**", "- **Hu et al. (2018)**")
    assert "Versus other treatments, DN was better for pain (SMD −1.06" in liu
    pain = ROWS["pain"]
    assert "generally no better, sometimes slightly better in the short term" in pain["verdict"]
    assert "generally no better, sometimes slightly better in the short term" in pain["comparator"]
    assert "up to 12 weeks (Gattie et al. 2017)" in pain["what_found"]
    assert "(SMD -1.06; Liu et al. 2018)" in pain["what_found"]
    assert "0.51 points" in pain["what_found"] and "(Chys et al. 2023)" in pain["what_found"]


@pytest.mark.parametrize("cell_id", ["c04", "c31", "c56", "c57"])
def test_lesson_cells_say_generally_no_better_sometimes_slightly_better(cell_id):
    text = _cells(LESSON)[cell_id].replace("**", "")
    assert "generally no better" in text
    assert "sometimes slightly better" in text or "sometimes a little better" in text


# Each of these said or implied "not better than active treatments" without the qualification.
OLD_WORDING = ["about as good", "on average about as well as other treatments such as manual therapy, not better",
               "it works about as well as other treatments such as manual therapy.\"",
               "no benefit shown against other treatments", "not better than other active treatments",
               "the average extra benefit of dry needling is below what patients notice"]


def _section_texts() -> dict[str, str]:
    texts = {}
    for path in (LESSON, LESSON_01, QUIZ, QUIZ_01):
        texts[path.name] = "\n".join(_cells(path).values())
    texts["benefits.csv"] = (DATA_DIR / "benefits.csv").read_text(encoding="utf-8")
    for name in ("s01.json", "s02.json"):
        texts[name] = (DATA_DIR / "practice" / name).read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("words", OLD_WORDING)
def test_the_unqualified_not_better_wording_is_gone(words):
    found = [name for name, text in _section_texts().items() if words.lower() in text.replace("**", "").lower()]
    assert found == []


def test_the_written_question_model_answer_and_scheme_use_the_new_wording():
    cells = _cells(QUIZ)
    assert cells["c32"].startswith("## Question 2.14 (3 points")
    assert "generally no better, sometimes a little better in the first weeks" in cells["c33"]
    assert "generally no better, sometimes slightly better in the short term" in cells["c34"]
    assert "Marking guidance for Question 2.14" in cells["c34"]


# --- objective 2.1: every benefit has a card and a quiz item -----------------------------------

OBJECTIVE_NAMES = {"pain": "pain", "function": "function", "range of motion": "range_of_motion",
                   "sports performance": "sports", "injury risk": "injury_risk", "recovery": "recovery",
                   "headache": "headache", "fibromyalgia": "fibromyalgia", "quality of life": "quality_of_life"}


def test_objective_1_lists_every_benefit_card_in_order():
    first = _cells(LESSON)["c00"]
    listed = re.search(r"1\. say, for each benefit a marketing article promises \(([^)]*)\)", first)[1].split(", ")
    assert [OBJECTIVE_NAMES[name] for name in listed] == [b["id"] for b in benefits()]


@pytest.mark.parametrize("number, words", [
    ("2.11", ["**function**", "Better than control or sham, but no different from other treatments"]),
    ("2.12", ["fibromyalgia", "Only 4 of the 25 trials tested dry needling"]),
    ("2.13", ["reduce the risk of injury", "overall health and wellbeing", "quality of life"]),
])
def test_new_questions_ask_about_function_fibromyalgia_injury_and_wellbeing(seed_article, number, words):
    heading = _headings(QUIZ)[number]
    for w in words:
        assert w in heading, (number, w)
    for quoted in re.findall(r'"([^"]+)"', re.sub(r"`[^`]*`", "", heading)):   # the article's words, exactly
        assert quoted in seed_article, quoted


@pytest.mark.parametrize("number, key, wrong", [
    ("2.11", "A", ["B", "C", "D"]),
    ("2.12", "B", ["A", "C", "D"]),
    ("2.13", "AC", ["A", "C", "AB", "ACD", "CD"]),
])
def test_new_question_keys_mark_right_and_wrong_answers(number, key, wrong):
    q = {q.number: q for q in read_questions(QUIZ)}[number]
    assert q.points == 1 and q.normalised_key() == key
    assert is_correct(", ".join(key), q.kind, q.key, **q.spec)
    for answer in wrong:
        assert not is_correct(answer, q.kind, q.key, **q.spec), answer


def test_quiz_title_states_fourteen_questions_and_sixteen_points():
    title = _cells(QUIZ)["c00"]
    assert "**14 questions worth 16 points**" in title and "thirteen are marked automatically" in title
    assert len(read_questions(QUIZ)) == 13
    assert "about 20 minutes" in title and "then 20 minutes for the quiz" in _cells(LESSON)["c00"]


def test_every_quoted_promise_in_section_2_1_is_the_articles_words(seed_article):
    text = _cells(LESSON)["c02"]
    quoted = re.findall(r'"([^"]+)"', text)
    assert len(quoted) == 8
    assert [q for q in quoted if q not in seed_article] == []


def test_section_2_references_include_the_new_sources_once():
    own = [r["id"] for r in csv.DictReader((DATA_DIR / "references" / "s02.csv").open(encoding="utf-8"))]
    assert own.count("overhead2024") == 1
    code = "\n".join(t for t in _cells(LESSON).values() if "show_references(" in t)
    listed = json.loads(re.search(r"show_references\((\[.*?\])\)", code, re.S)[1].replace("'", '"'))
    assert {"shah2015", "stoychev2020", "giorgi2022", "tendinopathy_review", "overhead2024"} <= set(listed)


# --- the lesson runs headless ----------------------------------------------------------------

def test_lesson_runs_headless_and_shows_the_new_cards():
    from dncourse.runner import run_notebook

    nb = run_notebook(LESSON)
    shown = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error" and out.get("name") != "stderr", cell.source
        m = re.fullmatch(r'show_benefit\("([a-z_]+)"\);?', cell.source.strip())
        if m:
            shown[m[1]] = " ".join(out.get("data", {}).get("text/markdown", "") for out in cell.outputs)
    assert set(shown) == set(ROWS) - {"sports"}         # the sports card shares a cell with a practice check
    assert "reduce the risk of injury" in shown["injury_risk"] and "Overhead-athlete review 2024" in shown["injury_risk"]
    assert "overall health and wellbeing" in shown["quality_of_life"]
    assert "Not supported" in shown["injury_risk"] and "wellbeing: not supported" in shown["quality_of_life"]
