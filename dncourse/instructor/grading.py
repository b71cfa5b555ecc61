"""Grade a whole cohort on one quiz and check that nothing was lost.

:func:`grade_quiz` autogrades every submission of a quiz through nbgrader's
Python API with a progress bar, then reconciles: every submitted learner has a
fresh autograded notebook and a complete grade row, and nothing in the
gradebook or the ``autograded/`` folder is left over from an earlier run.  One
failing submission never stops the others; everything that needs the
instructor's attention is collected in :class:`GradeSummary.problems`.

Learners are graded one after the other in this process.  The gradebook is
whatever ``c.CourseDirectory.db_url`` names (nbgrader's own setting; by
default the SQLite file ``gradebook.db`` in the course folder).
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from dncourse.instructor.release import quiz_ids

__all__ = ["CourseError", "Problem", "GradeSummary", "check_course", "submitted_learners", "grade_quiz",
           "is_sqlite"]


class CourseError(Exception):
    """Bad input from the instructor (unknown quiz, no submissions...): a message, not a traceback."""


@dataclass
class Problem:
    """One thing the instructor must look at."""

    learner: str
    what: str

    def __str__(self) -> str:
        return f"{self.learner}: {self.what}" if self.learner else self.what


@dataclass
class GradeSummary:
    """What a grading run did and found."""

    quiz: str
    graded: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)   # learner -> (score, max)
    verified: dict[str, float] = field(default_factory=dict)   # learner -> auto points verified statically
    protection: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def report(self) -> str:
        """A short plain-text summary for the terminal."""
        lines = [f"{self.quiz}: graded {len(self.graded)} submission(s) in {self.seconds:.1f} s."]
        if self.protection:
            lines.append(f"Protection: {self.protection}")
        if self.problems:
            lines.append(f"{len(self.problems)} thing(s) need your attention:")
            lines += [f"  - {p}" for p in self.problems]
        else:
            lines.append("Reconciliation: every submission has an autograded notebook and a complete grade row.")
        return "\n".join(lines)


def check_course(root: Path, quiz: str | None = None) -> None:
    """Raise :class:`CourseError` unless ``root`` is a course folder (and ``quiz`` one of its quizzes)."""
    root = Path(root)
    if not (root / "nbgrader_config.py").exists():
        raise CourseError(f"{root} is not a course folder: it has no nbgrader_config.py. "
                          "Run the command from the course folder, or pass --course DIR.")
    if quiz is not None:
        known = quiz_ids(root)
        if quiz not in known:
            raise CourseError(f"there is no quiz called {quiz!r}. The quizzes are: {', '.join(known) or 'none'}.")


def expected_notebooks(root: Path, quiz: str) -> list[str]:
    """The notebook file names a submission of ``quiz`` must contain."""
    return sorted(p.name for p in (Path(root) / "source" / quiz).glob("*.ipynb"))


def submitted_learners(root: Path, quiz: str) -> list[str]:
    """Learners with a submission folder for ``quiz``; CourseError when there are none."""
    folder = Path(root) / "submitted"
    learners = sorted(p.parent.name for p in folder.glob(f"*/{quiz}") if p.is_dir())
    if not learners:
        raise CourseError(f"no submissions for {quiz} in {folder}/. Collect them first "
                          f"(nbgrader collect {quiz}, or nbgrader zip_collect {quiz}).")
    return learners


def _check_submission(root: Path, quiz: str, learner: str, expected: list[str]) -> list[Problem]:
    folder = Path(root) / "submitted" / learner / quiz
    found = sorted(p.name for p in folder.glob("*.ipynb"))
    problems = []
    for name in expected:
        if name not in found:
            others = [f for f in found if f not in expected]
            hint = f" (found {', '.join(others)}: renamed? rename it back to {name} and grade again)" if others else ""
            problems.append(Problem(learner, f"notebook {name} is missing from the submission{hint}"))
            continue
        try:
            json.loads((folder / name).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(learner, f"{name} is not a readable notebook ({exc.__class__.__name__}); "
                                             "ask the learner to download and submit it again"))
    return problems


def _first_error_line(outcome: dict) -> str:
    text = (outcome.get("error") or outcome.get("log") or "unknown error").strip().splitlines()
    useful = [line for line in text if "Error" in line or "error" in line] or text
    return useful[-1][:200] if useful else "unknown error"


def is_sqlite(db_url: str) -> bool:
    """Whether a gradebook address is an SQLite file (one writer at a time)."""
    return db_url.split(":", 1)[0].split("+", 1)[0].lower() == "sqlite"


def _check_gradebook(root: Path, quiz: str, db_url: str) -> None:
    """CourseError when the gradebook is an SQLite file that does not exist yet."""
    if not is_sqlite(db_url) or not db_url.startswith("sqlite:///"):
        return   # a server database (c.CourseDirectory.db_url): nbgrader opens it and reports what it finds
    path = Path(db_url[len("sqlite:///"):])
    if not path.exists():
        where = root if path == root / "gradebook.db" else path
        raise CourseError(f"there is no gradebook yet in {where}. Create it with "
                          f"`nbgrader generate_assignment {quiz}` (this also registers the quiz).")


def grade_quiz(root: Path, quiz: str, *, progress: bool = True, api=None, sandbox: bool = True,
               kernels_ahead: bool = True, verbose: bool = False) -> GradeSummary:
    """Autograde every submission of ``quiz`` in the course ``root``, reconcile, and verify.

    ``api`` may be an already open ``NbGraderAPI`` (see :func:`open_course`);
    the settings this run needs are set on it for the run only.  With
    ``sandbox`` (the default) each grading kernel runs in a bubblewrap sandbox
    where the platform allows it (see :mod:`dncourse.instructor.integrity.sandbox`).
    Every submission is then scored again from its answer cells without
    running them (see :mod:`dncourse.instructor.integrity.verify`); differences
    and tampering are problems.

    With ``kernels_ahead`` (the default), each learner's kernel is started
    while nbgrader is still busy with the learner before (see
    :mod:`dncourse.instructor.kernels`); the scores are the same either way.
    Every grading kernel is managed with :class:`dncourse.runner.SlicedKernelClient`.

    The terminal shows the progress bar (with ``progress``) and nothing else
    (see :mod:`dncourse.instructor.quiet`); with ``verbose``, library warnings,
    the kernels' own log and each learner's nbgrader log are shown too.
    """
    from dncourse.instructor.integrity.sandbox import sandbox_kernelspec
    from dncourse.instructor.nbgrader_course import open_course
    from dncourse.instructor.quiet import quiet_output

    root = Path(root).resolve()
    check_course(root, quiz)
    api = api or open_course(root)
    db_url = api.coursedir.db_url
    _check_gradebook(root, quiz, db_url)
    learners = submitted_learners(root, quiz)
    expected = expected_notebooks(root, quiz)
    summary = GradeSummary(quiz=quiz)
    started = time.time()
    with contextlib.ExitStack() as run:
        run.enter_context(quiet_output(verbose))
        kernel = run.enter_context(sandbox_kernelspec(root)) if sandbox else None
        if kernel:
            summary.protection = ("each grading kernel ran in a bubblewrap sandbox: the course folder was hidden "
                                  "and only the kernel's own folder was writable")
        else:
            summary.protection = ("none at the file level (bubblewrap is not available here); answers were "
                                  "still verified without running learner code")
        run.enter_context(_settings_for_run(api, kernel or "", verbose))
        bar = None
        if progress:
            from tqdm import tqdm

            bar = run.enter_context(tqdm(total=len(learners), desc=f"Grading {quiz}", unit="learner",
                                         dynamic_ncols=True))
        outcomes = _autograde_serially(api, quiz, learners, bar, kernels_ahead=kernels_ahead, verbose=verbose)
    failed = set()
    for learner in learners:
        summary.problems += _check_submission(root, quiz, learner, expected)
        outcome = outcomes[learner]
        if outcome.get("success"):
            summary.graded.append(learner)
        else:
            failed.add(learner)
            summary.problems.append(Problem(learner, f"autograde failed: {_first_error_line(outcome)}"))

    with quiet_output(verbose):
        summary.problems += _reconcile(root, quiz, learners, expected, failed, started, summary, db_url)
        summary.problems += _verify(root, quiz, learners, summary)
    summary.seconds = time.time() - started
    return summary


@contextlib.contextmanager
def _settings_for_run(api, kernel_name: str, verbose: bool):
    """Within the block, ``api`` grades with ``kernel_name`` (\"\": the notebook's own), the sliced
    kernel client and, unless ``verbose``, quiet kernels; afterwards its configuration is as it was."""
    from traitlets.config import Config

    from dncourse.runner import QUIET_KERNEL, sliced_config

    before = api.config   # update_config replaces api.config with an updated copy: this one stays as it is
    extra = list(before.get("Execute", {}).get("extra_arguments") or [])
    if not verbose:
        extra += [option for option in QUIET_KERNEL if option not in extra]
    settings = sliced_config(Config({"Execute": {"kernel_name": kernel_name, "extra_arguments": extra}}))
    api.update_config(settings)
    try:
        yield
    finally:
        api.config = before


def _autograde_serially(api, quiz: str, learners: list[str], bar, kernels_ahead: bool = True,
                        verbose: bool = False) -> dict:
    """Autograde ``learners`` one after the other; ``{learner: outcome}``.

    With ``kernels_ahead``, each learner's kernel is started while nbgrader
    is still busy with the learner before (see :mod:`dncourse.instructor.kernels`).
    With ``verbose``, each learner's nbgrader log is printed (above the bar).
    """
    from dncourse.instructor.kernels import kernels_started_ahead

    outcomes = {}
    with kernels_started_ahead(api) if kernels_ahead else contextlib.nullcontext():
        for learner in learners:
            if bar is not None:
                bar.set_postfix_str(learner)
            outcomes[learner] = _autograde_one(api, quiz, learner)
            if verbose:
                _print_log(learner, outcomes[learner], bar)
            if bar is not None:
                bar.update(1)
    return outcomes


def _print_log(learner: str, outcome: dict, bar) -> None:
    """Print one learner's nbgrader log and error to stderr, above the progress bar if there is one."""
    import sys

    text = "\n".join(part.rstrip() for part in (outcome.get("log"), outcome.get("error")) if part)
    message = f"--- {learner}: nbgrader autograde {'succeeded' if outcome.get('success') else 'FAILED'}\n{text}"
    if bar is not None:
        bar.write(message, file=sys.stderr)
    else:
        print(message, file=sys.stderr)


# What jupyter_client says of a kernel that died before it answered at all, so before any of the
# learner's code ran: most often another process took the TCP port it had been given (ports are
# picked free, then bound by the kernel a moment later).
KERNEL_NEVER_STARTED = "Kernel died before replying to kernel_info"


def _autograde_one(api, quiz: str, learner: str, attempts: int = 2) -> dict:
    """nbgrader's autograde of one learner; an exception becomes a failed outcome.

    A learner whose grading kernel died before it started is graded again
    (up to ``attempts`` times in all), since none of their code had run.
    """
    for _attempt in range(attempts):
        try:
            outcome = api.autograde(quiz, learner)
        except Exception as exc:  # nbgrader raised instead of reporting: keep going
            outcome = {"success": False, "error": f"{exc.__class__.__name__}: {exc}"}
        result = {"success": bool(outcome.get("success")), "error": outcome.get("error") or "",
                  "log": outcome.get("log") or ""}
        if result["success"] or KERNEL_NEVER_STARTED not in result["error"] + result["log"]:
            break
    return result


def _verify(root: Path, quiz: str, learners: list[str], summary: GradeSummary) -> list[Problem]:
    """Score every submission again from its answer cells alone; report differences and tampering."""
    from dncourse.instructor.gradebook import quiz_scores
    from dncourse.instructor.integrity.verify import verify_quiz, write_integrity_report

    scores, _ = quiz_scores(root, quiz)
    results = verify_quiz(root, quiz, learners, scores)
    write_integrity_report(root / "reports" / quiz, quiz, results)
    problems = []
    for result in results:
        summary.verified[result.learner] = result.verified_total
        for flag in result.flags:
            problems.append(Problem(result.learner, f"INTEGRITY ({flag.where}): {flag.what}"))
    if problems:
        problems.append(Problem("", f"integrity flags are listed in {root / 'reports' / quiz / 'integrity.csv'}; "
                                    "training records use the verified score and show the flag"))
    return problems


def _reconcile(root, quiz, learners, expected, failed, started, summary, db_url) -> list[Problem]:
    """Every submitted learner has a fresh autograded notebook and a full grade row; no leftovers."""
    from nbgrader.api import Gradebook, MissingEntry

    problems = []
    autograded = root / "autograded"
    with Gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(quiz)
        except MissingEntry:
            return [Problem("", f"{quiz} is not in the gradebook: run `nbgrader generate_assignment {quiz}`")]
        cells_per_notebook = {nb.name: len(nb.grade_cells) for nb in assignment.notebooks}
        for learner in learners:
            for name in expected:
                path = autograded / learner / quiz / name
                if not path.exists():
                    problems.append(Problem(learner, f"no autograded notebook {name}"))
                elif path.stat().st_mtime < started - 1:
                    problems.append(Problem(
                        learner, f"STALE: the autograded {name} and its grades are from an earlier run; "
                                 "this run could not re-grade it, so the gradebook still shows old scores"))
            try:
                submission = gb.find_submission(quiz, learner)
            except MissingEntry:
                problems.append(Problem(learner, "no grade row in the gradebook"))
                continue
            if learner in failed:
                problems.append(Problem(
                    learner, "STALE: the gradebook still holds this learner's scores from an earlier run; "
                             "they do not reflect the current submission"))
            for nb in submission.notebooks:
                want = cells_per_notebook.get(nb.notebook.name, 0)
                if len(nb.grades) < want:
                    problems.append(Problem(learner, f"{nb.notebook.name}: only {len(nb.grades)} of {want} grades"))
            if learner not in failed:
                summary.scores[learner] = (submission.score, submission.max_score)
        graded_rows = {s.student.id for s in assignment.submissions}
        for learner in sorted(graded_rows - set(learners)):
            problems.append(Problem(learner, "STALE: a grade row exists but there is no submission any more"))
    if autograded.exists():
        for folder in sorted(autograded.glob(f"*/{quiz}")):
            if folder.parent.name not in learners:
                problems.append(Problem(folder.parent.name,
                                        "STALE: autograded work exists but there is no submission any more"))
    return problems
