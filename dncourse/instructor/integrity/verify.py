"""Grades that learner code cannot forge: scoring answers without running them.

nbgrader marks a quiz by running the learner's notebook, hidden tests and
all, in one Python kernel, so code in the notebook can change what the tests
see.  Quiz answers here are plain literal values, so this module scores every
submission a second time **without executing anything**: it parses each answer
cell with :mod:`ast`, accepts only literal assignments to the answer variable,
and checks the value with the same answer checker the quizzes use.

Every cell the learner wrote is also scanned for known tampering patterns
(:mod:`dncourse.instructor.integrity.tamper_scan`).  Any difference from
nbgrader's score, any answer cell holding more than its literal, and any
tampering pattern is a :class:`Flag` for manual review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from dncourse.answers import is_correct
from dncourse.instructor.integrity.tamper_scan import scan_cell
from dncourse.instructor.quizspec import Question, literal_answer, nbgrader_meta, read_questions

__all__ = ["Flag", "Verification", "verify_submission", "verify_quiz", "write_integrity_report"]


@dataclass
class Flag:
    """One reason to look at a submission by hand."""

    learner: str
    quiz: str
    where: str
    what: str


@dataclass
class Verification:
    """A learner's quiz scored from the answer cells alone, next to nbgrader's scores."""

    learner: str
    quiz: str
    verified: dict[str, float] = field(default_factory=dict)     # grade_id -> points (auto questions)
    nbgrader: dict[str, float | None] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)

    @property
    def verified_total(self) -> float:
        return sum(self.verified.values())


def _text(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def verify_submission(path: Path, release_path: Path, questions: list[Question],
                      learner: str = "", quiz: str = "") -> Verification:
    """Score one submitted notebook from its answer cells only, and scan it for tampering."""
    result = Verification(learner, quiz)
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        result.flags.append(Flag(learner, quiz, Path(path).name, f"not a readable notebook ({exc.__class__.__name__})"))
        result.verified = {q.grade_id: 0.0 for q in questions}
        return result
    release_sources = set()
    try:
        release = json.loads(Path(release_path).read_text(encoding="utf-8"))
        release_sources = {_text(c) for c in release["cells"] if c.get("cell_type") == "code"}
    except (OSError, ValueError, KeyError):
        pass
    by_id: dict[str, list] = {}
    for cell in cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid:
            by_id.setdefault(gid, []).append(cell)
    for q in questions:
        found = by_id.get(q.answer_grade_id, [])
        if len(found) != 1:
            result.verified[q.grade_id] = 0.0
            why = "is missing (deleted, or its grade id renamed)" if not found else "appears more than once"
            result.flags.append(Flag(learner, quiz, f"Q{q.number}", f"the answer cell {why}"))
            continue
        cell = found[0]
        if cell.get("cell_type") != "code":
            result.verified[q.grade_id] = 0.0
            result.flags.append(Flag(learner, quiz, f"Q{q.number}", "the answer cell's type was changed"))
            continue
        value, clean = literal_answer(_text(cell), q.variable)
        if not clean:
            result.flags.append(Flag(learner, quiz, f"Q{q.number}",
                                     "the answer cell holds more than a literal answer"))
        right = value is not None and is_correct(value, q.kind, q.key, tolerance=q.tolerance, **q.spec)
        result.verified[q.grade_id] = q.points if right else 0.0
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or _text(cell) in release_sources:
            continue
        for pattern in scan_cell(_text(cell)):
            gid = nbgrader_meta(cell).get("grade_id") or f"cell {index + 1}"
            result.flags.append(Flag(learner, quiz, gid, pattern))
    return result


def verify_quiz(root: Path, quiz: str, learners: list[str], nbgrader_scores: dict[str, dict]) -> list[Verification]:
    """Verify every learner's submission of ``quiz``; compare with ``nbgrader_scores[learner][grade_id]``."""
    root = Path(root)
    out = []
    sources = sorted((root / "source" / quiz).glob("*.ipynb"))
    questions = {s.name: read_questions(s) for s in sources}
    for learner in learners:
        total = Verification(learner, quiz)
        for source in sources:
            submitted = root / "submitted" / learner / quiz / source.name
            release = root / "release" / quiz / source.name
            if not submitted.exists():
                part = Verification(learner, quiz, {q.grade_id: 0.0 for q in questions[source.name]})
                part.flags.append(Flag(learner, quiz, source.name, "notebook missing from the submission"))
            else:
                part = verify_submission(submitted, release, questions[source.name], learner, quiz)
            total.verified.update(part.verified)
            total.flags += part.flags
        scores = nbgrader_scores.get(learner, {})
        for gid, points in total.verified.items():
            given = scores.get(gid)
            total.nbgrader[gid] = given
            if given is None:
                continue
            if abs(given - points) > 1e-9:
                label = next((f"Q{q.number}" for qs in questions.values() for q in qs if q.grade_id == gid), gid)
                total.flags.append(Flag(learner, quiz, label,
                                        f"nbgrader gave {given:g} point(s) but the answer cell earns {points:g}"))
        out.append(total)
    return out


_COLUMNS = ["learner", "quiz", "where", "what"]


def write_integrity_report(out_dir: Path, quiz: str, results: list[Verification]) -> tuple[Path, Path, str]:
    """Write ``integrity.csv`` and ``integrity.html``; return their paths and the HTML section."""
    import csv
    import html as h

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    flags = [f for r in results for f in r.flags]
    csv_path = out_dir / "integrity.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(_COLUMNS + ["verified_score", "nbgrader_score"])
        totals = {r.learner: r for r in results}
        for f in flags:
            r = totals[f.learner]
            nbg = sum(v for v in r.nbgrader.values() if v is not None)
            writer.writerow([f.learner, f.quiz, f.where, f.what, f"{r.verified_total:g}", f"{nbg:g}"])
    rows = "".join(f"<tr><td>{h.escape(f.learner)}</td><td>{h.escape(f.where)}</td><td>{h.escape(f.what)}</td></tr>"
                   for f in flags)
    section = (f"<h2>Integrity checks</h2><p>Every submission was scored a second time from its answer cells "
               f"alone, without running any code, and scanned for tampering. {len(flags)} flag(s) in "
               f"{len({f.learner for f in flags})} of {len(results)} submission(s) need a look by hand.</p>"
               + (f"<table><tr><th>Learner</th><th>Where</th><th>What</th></tr>{rows}</table>" if flags else ""))
    html_path = out_dir / "integrity.html"
    html_path.write_text(f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Integrity: "
                         f"{h.escape(quiz)}</title></head><body><h1>Integrity report: {h.escape(quiz)}</h1>"
                         f"{section}</body></html>\n", encoding="utf-8")
    return csv_path, html_path, section
