"""Training records: one line per learner and quiz, and a printable page per learner.

A quiz is passed when the learner earned at least :data:`dncourse.content.course.PASS_MARK`
of its points.  While written answers are still unmarked, the result is shown
as provisional, because marking can only add points.

Every record names the version of the course it was earned on: the version of
the course package in use when the records are made (``dncourse.__version__``,
the version in pyproject.toml).  Make the records before installing a new
version of the course.
"""

from __future__ import annotations

import csv
import html
from datetime import datetime, timezone
from pathlib import Path

from dncourse import __version__
from dncourse.content.course import PASS_MARK, sections
from dncourse.instructor.gradebook import QuizResult

__all__ = ["FINAL_QUIZ", "passed", "record_rows", "verified_results", "write_records"]

FINAL_QUIZ = "s07-final-assessment"
COLUMNS = ["learner", "quiz", "course_version", "submitted", "score", "max_score", "percent", "result", "status"]


def passed(score: float, max_score: float, pass_mark: float = PASS_MARK) -> bool:
    """Whether ``score`` out of ``max_score`` reaches the pass mark (exactly on the mark passes)."""
    return max_score > 0 and score / max_score >= pass_mark - 1e-9


def record_rows(results: list[QuizResult], pass_mark: float = PASS_MARK,
                course_version: str = __version__) -> list[dict]:
    """The rows of the cohort's training-record CSV, sorted by learner and quiz.

    ``course_version`` is the version of the course the results were earned on.
    """
    rows = []
    for r in sorted(results, key=lambda r: (r.learner, r.quiz)):
        ok = passed(r.score, r.max_score, pass_mark)
        status = []
        if r.awaiting_marking:
            status.append("provisional: written answers not yet marked")
        if r.late:
            status.append("submitted late")
        if r.integrity_flags:
            given = f"; nbgrader gave {r.nbgrader_score:g}" if r.nbgrader_score is not None else ""
            status.append(f"INTEGRITY FLAG ({r.integrity_flags}): verified score shown{given}; "
                          f"see reports/{r.quiz}/integrity.csv")
        rows.append({
            "learner": r.learner, "quiz": r.quiz, "course_version": course_version,
            "submitted": r.submitted.strftime("%Y-%m-%d %H:%M") if r.submitted else "",
            "score": f"{r.score:g}", "max_score": f"{r.max_score:g}",
            "percent": f"{100 * r.score / r.max_score:.1f}" if r.max_score else "",
            "result": "pass" if ok else "not yet passed",
            "status": "; ".join(status),
        })
    return rows


def verified_results(root: Path) -> list[QuizResult]:
    """Every result in the gradebook, with the auto-marked points replaced by the verified ones.

    The verified points come from the answer cells read without running them
    (:mod:`dncourse.instructor.integrity.verify`); written answers keep their manual marks.
    """
    from dncourse.instructor.gradebook import quiz_scores, results
    from dncourse.instructor.integrity.verify import verify_quiz

    rows = results(root)
    for quiz in sorted({r.quiz for r in rows}):
        if not (Path(root) / "source" / quiz).is_dir():
            continue
        scores, _ = quiz_scores(root, quiz)
        learners = sorted(r.learner for r in rows if r.quiz == quiz)
        checks = {v.learner: v for v in verify_quiz(root, quiz, learners, scores)}
        for r in rows:
            if r.quiz != quiz:
                continue
            check = checks[r.learner]
            manual = sum(v for gid, v in scores.get(r.learner, {}).items()
                         if gid not in check.verified and v is not None)
            verified = check.verified_total + manual
            if abs(verified - r.score) > 1e-9:
                r.nbgrader_score = r.score
            r.score = verified
            r.integrity_flags = len(check.flags)
    return rows


def _learner_page(learner: str, rows: list[dict], pass_mark: float) -> str:
    """The printable HTML page of one learner's records (``rows`` from :func:`record_rows`)."""
    version = ", ".join(sorted({r["course_version"] for r in rows}))
    titles = {s["quiz"]: f"{s['number']}. {s['title']}" for s in sections() if s["quiz"]}
    final = [r for r in rows if r["quiz"] == FINAL_QUIZ]
    final_text = ("Final assessment: <b>" + html.escape(final[0]["result"]) + "</b>") if final \
        else "Final assessment: not yet taken"
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            titles.get(r["quiz"], r["quiz"]), r["submitted"], f"{r['score']} / {r['max_score']}",
            f"{r['percent']}%", r["result"], r["status"])) + "</tr>" for r in rows)
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Training record: {html.escape(learner)}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto}}table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #999;padding:.3em .5em;text-align:left}}@media print{{body{{margin:0}}}}</style></head>
<body><h1>Training record: Dry Needling, Benefits and Safety</h1>
<p>Learner: <b>{html.escape(learner)}</b><br>Course version: {html.escape(version)}<br>Record made: {today}<br>Pass mark: {100 * pass_mark:.0f}% of each quiz's points</p>
<p>{final_text}</p>
<table><tr><th>Section quiz</th><th>Submitted</th><th>Score</th><th>Percent</th><th>Result</th><th>Notes</th></tr>
{body}</table>
<p><small>Educational record of course quizzes only. It does not certify competence to dry needle, which
depends on supervised training and on the law and employer policy where you work.</small></p>
</body></html>
"""


def write_records(out_dir: Path, results: list[QuizResult], pass_mark: float = PASS_MARK,
                  course_version: str = __version__) -> tuple[Path, list[Path]]:
    """Write ``records.csv`` for the cohort and ``<learner>.html`` per learner; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = record_rows(results, pass_mark, course_version)
    csv_path = out_dir / "records.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    pages = []
    for learner in sorted({r["learner"] for r in rows}):
        page = out_dir / f"{learner}.html"
        page.write_text(_learner_page(learner, [r for r in rows if r["learner"] == learner], pass_mark),
                        encoding="utf-8")
        pages.append(page)
    return csv_path, pages
