"""Read what the instructor tools need from nbgrader's gradebook."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["QuizResult", "gradebook_url", "marking_counts", "open_gradebook", "question_labels", "quiz_scores",
           "results"]


@dataclass
class QuizResult:
    """One learner's result on one quiz, from the gradebook."""

    learner: str
    quiz: str
    score: float
    max_score: float
    submitted: datetime | None
    late: bool
    awaiting_marking: bool
    nbgrader_score: float | None = None   # set when the verified score differs from nbgrader's
    integrity_flags: int = 0


def gradebook_url(root: Path) -> str:
    """The gradebook's SQLAlchemy address: ``c.CourseDirectory.db_url`` in the course's
    ``nbgrader_config.py`` when it sets one (a server database such as PostgreSQL), else ``gradebook.db`` in ``root``."""
    from dncourse.instructor.nbgrader_course import load_config

    root = Path(root).resolve()
    section = load_config(root).CourseDirectory
    url = section.db_url if "db_url" in section else ""
    return url or f"sqlite:///{root / 'gradebook.db'}"


def open_gradebook(root: Path):
    """The course's gradebook; FileNotFoundError with a clear message when there is none."""
    from nbgrader.api import Gradebook

    url = gradebook_url(root)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise FileNotFoundError(f"there is no gradebook yet in {Path(root)} (gradebook.db): "
                                "release and grade a quiz first")
    return Gradebook(url)


def question_labels(grade_ids) -> dict[str, str]:
    """'q1_11_explain_invasive' -> 'Q1.11'; other ids are kept as they are."""
    labels = {}
    for gid in grade_ids:
        match = re.match(r"q(\d+)_(\d+)_", gid)
        labels[gid] = f"Q{match.group(1)}.{match.group(2)}" if match else gid
    return labels


def quiz_scores(root: Path, quiz: str):
    """``(scores, max_points)``: ``scores[learner][grade_id]`` (None while unmarked) and each question's maximum."""
    with open_gradebook(root) as gb:
        assignment = gb.find_assignment(quiz)
        max_points = {}
        for nb in assignment.notebooks:
            for cell in sorted(nb.grade_cells, key=lambda c: _natural(c.name)):
                max_points[cell.name] = cell.max_score
        scores: dict[str, dict[str, float | None]] = {}
        for submission in assignment.submissions:
            row = scores.setdefault(submission.student.id, {})
            for nb in submission.notebooks:
                for grade in nb.grades:
                    marked = not grade.needs_manual_grade
                    row[grade.name] = grade.score if marked else None
    return scores, max_points


def marking_counts(root: Path, quiz: str) -> dict[str, tuple[int, int]]:
    """``{grade_id: (awaiting, marked)}`` for the questions a person marks (written answers).

    ``awaiting``: answers nobody has marked yet; ``marked``: answers a person
    has marked.  An answer left as released is scored 0 by nbgrader without
    marking and counts as neither.  Questions with neither are left out.
    """
    counts: dict[str, list[int]] = {}
    with open_gradebook(root) as gb:
        for submission in gb.find_assignment(quiz).submissions:
            for nb in submission.notebooks:
                for grade in nb.grades:
                    if grade.needs_manual_grade:
                        counts.setdefault(grade.name, [0, 0])[0] += 1
                    elif grade.manual_score is not None:
                        counts.setdefault(grade.name, [0, 0])[1] += 1
    return {gid: (awaiting, marked) for gid, (awaiting, marked) in counts.items()}


def _natural(gid: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", gid)]


def results(root: Path) -> list[QuizResult]:
    """Every learner's result on every quiz in the gradebook."""
    out = []
    with open_gradebook(root) as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                out.append(QuizResult(
                    learner=submission.student.id, quiz=assignment.name,
                    score=float(submission.score), max_score=float(submission.max_score),
                    submitted=submission.timestamp,
                    late=bool(assignment.duedate and submission.timestamp
                              and submission.timestamp > assignment.duedate),
                    awaiting_marking=bool(submission.needs_manual_grade)))
    return out
