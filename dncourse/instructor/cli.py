"""The ``dncourse`` command: the instructor's tools on top of nbgrader.

Each subcommand works in one process through nbgrader's Python API, because
starting nbgrader costs seconds.  Bad input gets a one-line message and exit
status 2; a run that needs the instructor's attention exits with status 1.

    dncourse grade QUIZ          autograde every submission, then reconcile
    dncourse report QUIZ         item analysis (CSV and HTML with charts)
    dncourse records             training records (CSV and a page per learner)
    dncourse demo-cohort N       N synthetic learners' submissions of every quiz
    dncourse grade-demo          all of the above, in a fresh demo course
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from dncourse.instructor.grading import CourseError, check_course

EXIT_OK, EXIT_ATTENTION, EXIT_BAD_INPUT = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dncourse", description="Instructor tools for the dry needling course.")
    parser.add_argument("--course", type=Path, default=Path("."),
                        help="the course folder (the one with nbgrader_config.py); default: here")
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("grade", help="autograde every submission of a quiz, then reconcile")
    grade.add_argument("quiz")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.add_argument("--verbose", action="store_true",
                       help="also show library warnings, the grading kernels' log and each learner's nbgrader log")
    report = sub.add_parser("report", help="item analysis of a quiz")
    report.add_argument("quiz")
    sub.add_parser("records", help="training records for the whole cohort")
    demo = sub.add_parser("demo-cohort", help="write N synthetic learners' submissions")
    demo.add_argument("n", type=int)
    demo.add_argument("--quiz", action="append", help="only this quiz (repeatable); default: every quiz")
    demo.add_argument("--seed", type=int, default=2026)
    full = sub.add_parser("grade-demo", help="demo cohort, grade, report and records on every quiz")
    full.add_argument("--learners", type=int, default=12)
    full.add_argument("--no-progress", action="store_true")
    return parser


def reports_dir(root: Path) -> Path:
    return Path(root) / "reports"


def cmd_grade(root: Path, quiz: str, progress: bool = True, api=None, verbose: bool = False) -> int:
    """Grade every submission of ``quiz``, print the summary; EXIT_ATTENTION when something needs a look."""
    from dncourse.instructor.grading import grade_quiz

    summary = grade_quiz(root, quiz, progress=progress, api=api, verbose=verbose)
    print(summary.report())
    return EXIT_OK if summary.ok else EXIT_ATTENTION


def cmd_report(root: Path, quiz: str) -> int:
    from dncourse.instructor.gradebook import marking_counts, question_labels, quiz_scores
    from dncourse.instructor.item_analysis import analyse, option_counts, write_item_report

    check_course(root, quiz)
    try:
        scores, max_points = quiz_scores(root, quiz)
    except FileNotFoundError as exc:
        raise CourseError(str(exc)) from None
    if not scores:
        raise CourseError(f"no graded submissions of {quiz} yet: run `dncourse grade {quiz}` first")
    from dncourse.instructor.integrity.verify import verify_quiz, write_integrity_report

    items = analyse(scores, max_points, question_labels(max_points), marking_counts(root, quiz))
    counts = option_counts(root, quiz, sorted(scores))
    _, _, integrity = write_integrity_report(reports_dir(root) / quiz, quiz,
                                             verify_quiz(root, quiz, sorted(scores), scores))
    csv_path, html_path = write_item_report(reports_dir(root) / quiz, quiz, items, counts, integrity)
    flagged = [i for i in items if i.flags]
    print(f"{quiz}: item analysis of {len(items)} questions for {len(scores)} learners.")
    for item in flagged:
        print(f"  - {item.label}: {'; '.join(item.flags)}")
    for item in items:
        if item.not_marked:
            print(f"  - {item.label}: {item.status} (no figures until its written answers are marked)")
    print(f"Written: {csv_path}\n         {html_path}")
    return EXIT_OK


def cmd_records(root: Path) -> int:
    from dncourse.instructor.records import verified_results, write_records

    check_course(root)
    try:
        rows = verified_results(root)
    except FileNotFoundError as exc:
        raise CourseError(str(exc)) from None
    if not rows:
        raise CourseError("the gradebook has no graded submissions yet: grade a quiz first")
    csv_path, pages = write_records(reports_dir(root) / "records", rows)
    print(f"Training records for {len(pages)} learners: {csv_path}\n"
          f"Printable page per learner: {csv_path.parent}/<learner>.html")
    flagged = sorted({(r.learner, r.quiz) for r in rows if r.integrity_flags})
    for learner, quiz in flagged:
        print(f"  - {learner}, {quiz}: integrity flag; the record uses the verified score")
    return EXIT_ATTENTION if flagged else EXIT_OK


def cmd_demo_cohort(root: Path, n: int, quizzes: list[str] | None, seed: int, api=None) -> int:
    from dncourse.instructor.demo_cohort import DUE, make_demo_cohort
    from dncourse.instructor.nbgrader_course import open_course
    from dncourse.instructor.release import quiz_ids

    check_course(root)
    if n < 1:
        raise CourseError("the number of learners must be at least 1")
    known = quiz_ids(root)
    for quiz in quizzes or []:
        check_course(root, quiz)
    api = api or open_course(root)
    for quiz in quizzes or known:
        outcome = api.generate_assignment(quiz)
        if not outcome["success"]:
            raise CourseError(f"nbgrader could not generate {quiz}: {outcome.get('error')}")
        with api.gradebook as gb:
            gb.update_or_create_assignment(quiz, duedate=DUE.replace(tzinfo=None))
        learners = make_demo_cohort(root, quiz, n, seed)
        print(f"{quiz}: {len(learners)} demo submissions in {Path(root) / 'submitted'}/ (due {DUE:%Y-%m-%d %H:%M} UTC)")
    return EXIT_OK


def cmd_grade_demo(root: Path, learners: int, progress: bool) -> int:
    from dncourse.instructor.nbgrader_course import open_course
    from dncourse.instructor.release import COURSE_ROOT, quiz_ids

    root = Path(root)
    if root.resolve() == COURSE_ROOT.resolve():
        raise CourseError("grade-demo builds its own course; give it another folder with --course")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copy2(COURSE_ROOT / "nbgrader_config.py", root)
    shutil.copytree(COURSE_ROOT / "source", root / "source")
    api = open_course(root)
    cmd_demo_cohort(root, learners, None, 2026, api=api)
    status = EXIT_OK
    for quiz in quiz_ids(root):
        status = max(status, cmd_grade(root, quiz, progress=progress, api=api))
        cmd_report(root, quiz)
    cmd_records(root)
    print(f"\nDemo finished. Open the reports in {reports_dir(root).resolve()}/ "
          "(item-analysis.html per quiz, records/records.csv and a page per learner).")
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``dncourse`` command."""
    args = _parser().parse_args(argv)
    root = args.course
    try:
        if args.command == "grade":
            return cmd_grade(root, args.quiz, progress=not args.no_progress, verbose=args.verbose)
        if args.command == "report":
            return cmd_report(root, args.quiz)
        if args.command == "records":
            return cmd_records(root)
        if args.command == "demo-cohort":
            return cmd_demo_cohort(root, args.n, args.quiz, args.seed)
        return cmd_grade_demo(root, args.learners, progress=not args.no_progress)
    except CourseError as exc:
        print(f"dncourse: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
