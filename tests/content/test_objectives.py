"""Every learning objective of every lesson is assessed by a quiz question (issue 19, part 3).

Objective N.k is item k of the numbered list that opens lesson N ("By the
end of this section you will be able to: 1. ..."). The mapping lives in
``dncourse/content/data/objectives/sNN.csv``, one row per objective or per
part of one (its *aspect*, in the objective's own words), naming the quiz
questions that assess it: from the section's quiz or the final assessment.
The checks fail on an objective no row maps, on a row naming an objective or
question that does not exist, and on a quiz question that assesses nothing.
"""

from __future__ import annotations

import re

import pytest

from dncourse.content.loader import load
from tests.support.course import ROOT, cell_text, read_nb

_OPENING = re.compile(r"you will be able to:\**\s*\n(.*?)(?:\n\s*\n|\Z)", re.S | re.I)
_ITEM = re.compile(r"^(\d+)\.\s+(.+)$", re.M)
_QUESTION = re.compile(r"^## Question (\d+\.\d+) \(", re.M)


def lesson_objectives(text: str, section: int) -> dict[str, str]:
    """The numbered objectives in a lesson's opening cell ``text``: {"N.k": objective}."""
    found = _OPENING.search(text)
    if not found:
        return {}
    return {f"{section}.{number}": words for number, words in _ITEM.findall(found.group(1))}


def quiz_questions(path) -> list[str]:
    """The question numbers ("N.M") of an instructor's quiz, in order."""
    return [q for cell in read_nb(path)["cells"] for q in _QUESTION.findall(cell_text(cell))]


def course_objectives() -> dict[str, str]:
    """Every objective of every lesson that has a quiz, from ``sections.csv``."""
    objectives = {}
    for row in load("sections"):
        if row.get("lesson") and row.get("quiz"):
            opening = cell_text(read_nb(ROOT / row["lesson"])["cells"][0])
            objectives.update(lesson_objectives(opening, row["number"]))
    return objectives


def course_questions() -> dict[int, list[str]]:
    """Every quiz's question numbers, by section number (the final assessment included)."""
    return {row["number"]: quiz_questions(ROOT / "source" / row["quiz"] / f"{row['quiz']}.ipynb")
            for row in load("sections") if row.get("quiz")}


def mapping_problems(objectives: dict[str, str], questions: dict[int, list[str]], rows: list[dict],
                     final: int) -> list[str]:
    """What is wrong with the objective-to-question mapping ``rows``; empty when nothing is."""
    problems = []
    mapped = {row["objective"] for row in rows}
    problems += [f"objective {o} ('{objectives[o][:60]}') is assessed by no quiz question"
                 for o in objectives if o not in mapped]
    used = set()
    for row in rows:
        objective = row["objective"]
        if objective not in objectives:
            problems.append(f"{row['id']}: objective {objective} is not in its lesson's list")
            continue
        aspect = row.get("aspect")
        if aspect and aspect.lower() not in objectives[objective].lower():
            problems.append(f"{row['id']}: the aspect '{aspect}' is not words of objective {objective}")
        section = int(objective.split(".")[0])
        allowed = set(questions.get(section, [])) | set(questions.get(final, []))
        for question in row["assessed_by"]:
            if question not in allowed:
                problems.append(f"{row['id']}: question {question} is in neither quiz {section} "
                                f"nor the final assessment")
            used.add(question)
    for section, numbers in questions.items():
        problems += [f"question {q} assesses no objective" for q in numbers if q not in used]
    return problems


def test_every_objective_is_assessed_and_every_question_assesses_one():
    objectives = course_objectives()
    questions = course_questions()
    assert len(objectives) >= 25 and sum(len(q) for q in questions.values()) >= 80
    final = max(questions)
    assert mapping_problems(objectives, questions, load("objectives"), final) == []


@pytest.mark.parametrize("section", range(1, 7))
def test_each_lesson_opens_with_numbered_objectives(section):
    row = next(r for r in load("sections") if r["number"] == section)
    found = lesson_objectives(cell_text(read_nb(ROOT / row["lesson"])["cells"][0]), section)
    assert list(found) == [f"{section}.{k}" for k in range(1, len(found) + 1)] and len(found) >= 3


def test_the_mapping_check_catches_gaps_and_wrong_references():
    objectives = {"1.1": "explain what it is and the evidence", "1.2": "run the checklist"}
    questions = {1: ["1.1", "1.2", "1.3"], 7: ["7.1"]}
    rows = [{"id": "o1_1_what", "objective": "1.1", "aspect": "what it is", "assessed_by": ["1.1", "7.1"]},
            {"id": "o1_1_cost", "objective": "1.1", "aspect": "the cost", "assessed_by": ["1.2"]},
            {"id": "o1_9", "objective": "1.9", "assessed_by": ["1.1"]},
            {"id": "o1_1_other", "objective": "1.1", "assessed_by": ["2.4"]}]
    problems = mapping_problems(objectives, questions, rows, final=7)
    assert any("objective 1.2" in p and "no quiz question" in p for p in problems)
    assert any("'the cost' is not words of objective 1.1" in p for p in problems)
    assert any("o1_9: objective 1.9 is not in its lesson's list" in p for p in problems)
    assert any("question 2.4 is in neither quiz 1" in p for p in problems)
    assert any(p == "question 1.3 assesses no objective" for p in problems)
    assert len(problems) == 5
    assert mapping_problems(objectives, questions, rows[:1] + [
        {"id": "o1_2", "objective": "1.2", "assessed_by": ["1.2", "1.3"]}], final=7) == []


def test_objectives_are_read_from_the_lesson_opening():
    text = ("# Section 3\n\n**By the end of this section you will be able to:**\n\n1. name the signs;\n"
            "2. say what to do.\n\n**Questions this section answers:** ...\n3. not an objective")
    assert lesson_objectives(text, 3) == {"3.1": "name the signs;", "3.2": "say what to do."}
