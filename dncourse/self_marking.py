"""Mark my quiz: a score for learners who study alone, in the self-marking edition only.

The self-marking learner edition (``make learner-edition SELF_MARKING=1``)
ends every quiz with a *Mark my quiz* cell that calls :func:`mark_my_quiz`.
It scores the learner's answers with the course's one answer checker
(:func:`dncourse.answers.is_correct`) against the keys the edition was built
with (``content/self_marking_keys.json``, written by the edition's build from
``source/``), and shows the score against the pass mark and, for every
question, the right answer, why it is right and the sources
(``content/data/explanations/``).

Neither the keys nor the explanations are in the graded course's quizzes or
in the default learner edition: a self-marking edition gives every answer
away, so it must never be used where grades count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["KEYS_FILE", "QuestionMark", "QuizMark", "SelfMarkingUnavailable", "mark_quiz", "mark_my_quiz",
           "quiz_keys", "report_markdown"]

#: The answer keys of a self-marking edition; absent everywhere else.
KEYS_FILE = Path(__file__).parent / "content" / "self_marking_keys.json"


class SelfMarkingUnavailable(RuntimeError):
    """This copy of the course does not mark quizzes (it is not a self-marking edition)."""


@dataclass
class QuestionMark:
    """How one question was answered and marked."""

    number: str
    points: float
    earned: float
    status: str            # "right", "wrong", "not answered", "not in the right form", "written"
    right_answer: str = ""
    explanation: str = ""
    sources: str = ""
    model_answer: str = ""


@dataclass
class QuizMark:
    """The marks of one quiz: auto-marked points only (written answers are for an instructor)."""

    quiz: str
    title: str
    questions: list[QuestionMark] = field(default_factory=list)
    pass_mark: float = 0.8

    @property
    def earned(self) -> float:
        """Points earned on the auto-marked questions."""
        return sum(q.earned for q in self.questions if q.status != "written")

    @property
    def possible(self) -> float:
        """Points the auto-marked questions are worth."""
        return sum(q.points for q in self.questions if q.status != "written")

    @property
    def passed(self) -> bool:
        """Whether the auto-marked score reaches the pass mark."""
        return self.possible > 0 and self.earned >= self.pass_mark * self.possible - 1e-9


def quiz_keys(quiz: str, keys_file: Path | None = None) -> dict:
    """The keys of ``quiz`` (e.g. ``"s01-what-is-dry-needling"``) from the edition's keys file."""
    path = Path(keys_file) if keys_file is not None else KEYS_FILE
    if not path.exists():
        raise SelfMarkingUnavailable(
            "This copy of the course does not mark quizzes: it is not the self-marking edition. "
            "Submit the quiz as your instructor says, or ask for the self-marking edition if you study alone.")
    keys = json.loads(path.read_text(encoding="utf-8"))
    if quiz not in keys:
        raise SelfMarkingUnavailable(f"no keys for a quiz called {quiz!r}; the quizzes are: {', '.join(sorted(keys))}")
    return keys[quiz]


def _status(value, entry: dict) -> tuple[str, bool]:
    from dncourse.answers import AnswerFormatError, is_correct, normalise

    if value is ... or value is None:
        return "not answered", False
    spec = entry.get("spec", {})
    try:
        normalise(value, entry["kind"], **spec)
    except AnswerFormatError:
        return "not in the right form", False
    right = is_correct(value, entry["kind"], entry["key"], tolerance=entry.get("tolerance", 0), **spec)
    return ("right" if right else "wrong"), right


def mark_quiz(quiz: str, answers: dict, keys_file: Path | None = None) -> QuizMark:
    """Mark the answers in ``answers`` (a namespace holding ``answer_N_M`` variables) for ``quiz``."""
    from dncourse.content.course import PASS_MARK
    from dncourse.content.loader import load
    from dncourse.content.references import cite

    keys = quiz_keys(quiz, keys_file)
    explained = {row["id"]: row for row in load("explanations")}
    result = QuizMark(quiz=quiz, title=keys.get("title", quiz), pass_mark=PASS_MARK)
    for entry in keys["questions"]:
        number = entry["number"]
        if entry["kind"] == "written":
            result.questions.append(QuestionMark(number, entry["points"], 0, "written",
                                                 model_answer=entry.get("model_answer", "")))
            continue
        status, right = _status(answers.get(entry["variable"], ...), entry)
        row = explained.get(number, {})
        result.questions.append(QuestionMark(
            number, entry["points"], entry["points"] if right else 0, status, right_answer=entry["shown"],
            explanation=row.get("explanation", ""), sources=cite(row["refs"]) if row.get("refs") else ""))
    return result


_SYMBOL = {"right": "✔ right", "wrong": "✘ wrong", "not answered": "✘ not answered",
           "not in the right form": "✘ not in the right form"}


def _points(value: float) -> str:
    return f"{value:g} point{'s' if value != 1 else ''}"


def report_markdown(result: QuizMark) -> str:
    """The learner's report as Markdown: the score against the pass mark, then every question."""
    needed = result.pass_mark * result.possible
    verdict = ("**You reached the pass mark.**" if result.passed else
               f"**Not yet at the pass mark:** read the explanations below, look back at the lesson, and try again.")
    lines = [f"## Your score: {result.earned:g} of {result.possible:g} points",
             "",
             f"The pass mark is {result.pass_mark:.0%}, that is {needed:g} of {result.possible:g} points. {verdict}",
             "",
             "*This is a self-check for studying alone, not a grade: where grades count, your instructor marks your quiz.*",
             ""]
    written = [q for q in result.questions if q.status == "written"]
    if written:
        lines += [f"Written answers ({', '.join(q.number for q in written)}) are not marked here; compare yours with "
                  "the model answer under each one.", ""]
    for q in result.questions:
        if q.status == "written":
            lines += [f"### Question {q.number}: written answer ({_points(q.points)}, not marked here)", ""]
            if q.model_answer:
                lines += ["**A model answer:** " + q.model_answer.strip(), ""]
            continue
        lines += [f"### Question {q.number}: {_SYMBOL[q.status]} ({_points(q.earned)} of {q.points:g})", "",
                  f"**The right answer:** {q.right_answer}", ""]
        if q.explanation:
            lines += [f"**Why:** {q.explanation}" + (f" ({q.sources})" if q.sources else ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def mark_my_quiz(quiz: str, answers: dict) -> None:
    """Show the self-marking report for ``quiz``; ``answers`` is the notebook's ``globals()``.

    Returns nothing, so the cell shows only the report.  In a copy of the
    course that is not a self-marking edition it says so instead.
    """
    from IPython.display import Markdown, display

    try:
        result = mark_quiz(quiz, answers)
    except SelfMarkingUnavailable as reason:
        display(Markdown(f"**{reason}**"))
        return
    display(Markdown(report_markdown(result)))
