"""The instructor workflow: both distribution routes, `dncourse` grading, reports and records."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import dncourse
from tests.support.course import ROOT, make_course
from dncourse.instructor import cli
from dncourse.instructor.gradebook import QuizResult
from dncourse.instructor.grading import grade_quiz
from dncourse.instructor.item_analysis import analyse, item_rows
from dncourse.instructor.nbgrader_course import open_course
from dncourse.instructor.quizspec import nbgrader_meta, read_questions
from dncourse.instructor.records import passed, record_rows, write_records
from dncourse.instructor.release import nbgrader_env

QUIZ = "s01-what-is-dry-needling"
NB = f"{QUIZ}.ipynb"


def _answered(course: Path, answers: dict) -> dict:
    """The release notebook of QUIZ with ``answers[number]`` typed into the answer cells."""
    nb = json.loads((course / "release" / QUIZ / NB).read_text(encoding="utf-8"))
    questions = {q.answer_grade_id: q for q in read_questions(course / "source" / QUIZ / NB)}
    for cell in nb["cells"]:
        q = questions.get(nbgrader_meta(cell).get("grade_id"))
        if q is not None and q.number in answers:
            cell["source"] = f"{q.variable} = {answers[q.number]!r}\n"
    return nb


def _key(course):
    return {q.number: q.normalised_key() for q in read_questions(course / "source" / QUIZ / NB)}


def _submit(course: Path, learner: str, nb: dict | str, name: str = NB):
    folder = course / "submitted" / learner / QUIZ
    folder.mkdir(parents=True, exist_ok=True)
    text = nb if isinstance(nb, str) else json.dumps(nb)
    (folder / name).write_text(text, encoding="utf-8")
    (folder / "timestamp.txt").write_text("2026-11-29 09:00:00.000000 UTC")


@pytest.fixture
def generated(generated_course):
    """The shared course with QUIZ generated (tests/instructor/conftest.py): copy it, never change it."""
    assert QUIZ in {p.name for p in (generated_course / "release").iterdir()}
    return generated_course


@pytest.fixture
def course(generated, tmp_path):
    """A fresh copy of the generated course, and an nbgrader API open on it."""
    root = tmp_path / "course"
    shutil.copytree(generated, root)
    return root, open_course(root)


# --- route 1: the nbgrader exchange -------------------------------------------------------

def test_exchange_round_trip_with_three_learners(generated, tmp_path, monkeypatch):
    import nbgrader.utils
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import (ExchangeCollect, ExchangeFetchAssignment,
                                           ExchangeReleaseAssignment, ExchangeSubmit)

    from dncourse.instructor.nbgrader_course import load_config

    root = shutil.copytree(generated, tmp_path / "course")
    api = open_course(root)
    exchange = tmp_path / "exchange"
    exchange.mkdir()

    def app(cls, home=None):
        config = load_config(root)
        config.Exchange.root = str(exchange)
        if home is not None:
            config.Exchange.assignment_dir = str(home)
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = QUIZ
        return cls(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)

    app(ExchangeReleaseAssignment).start()
    monkeypatch.setattr(nbgrader.utils, "get_osusername", lambda: "jovyan")  # then JUPYTERHUB_USER names the learner
    key = _key(root)
    learners = {"alex": dict(key), "bea": {**key, "1.1": "A"}, "chen": {}}
    for learner, answers in learners.items():
        monkeypatch.setenv("JUPYTERHUB_USER", learner)
        home = tmp_path / "home" / learner
        home.mkdir(parents=True)
        app(ExchangeFetchAssignment, home).start()
        fetched = home / QUIZ / NB
        assert fetched.exists()
        nb = json.loads(fetched.read_text(encoding="utf-8"))
        questions = {q.answer_grade_id: q for q in read_questions(root / "source" / QUIZ / NB)}
        for cell in nb["cells"]:
            q = questions.get(nbgrader_meta(cell).get("grade_id"))
            if q is not None and q.number in answers:
                cell["source"] = f"{q.variable} = {answers[q.number]!r}\n"
        fetched.write_text(json.dumps(nb), encoding="utf-8")
        app(ExchangeSubmit, home).start()
    monkeypatch.delenv("JUPYTERHUB_USER")
    app(ExchangeCollect).start()
    assert sorted(p.name for p in (root / "submitted").iterdir()) == sorted(learners)
    summary = grade_quiz(root, QUIZ, progress=False, api=api)
    assert summary.ok, summary.report()
    assert summary.scores == {"alex": (10.0, 12.0), "bea": (9.0, 12.0), "chen": (0.0, 12.0)}


# --- route 2: LMS download and zip_collect ------------------------------------------------

def test_zip_collect_reads_the_lms_file_names(course, tmp_path):
    root, api = course
    archive = root / "downloaded" / QUIZ / "archive"
    archive.mkdir(parents=True)
    key = _key(root)
    (archive / f"smithjane_12345_67890_{NB}").write_text(json.dumps(_answered(root, key)))
    late = f"leeomar_late_23456_78901_{QUIZ}-1.ipynb"  # late and resubmitted: the LMS adds -1
    (archive / late).write_text(json.dumps(_answered(root, {**key, "1.2": True})))
    (archive / "notes.txt").write_text("not a submission")
    result = subprocess.run([sys.executable, "-m", "nbgrader", "zip_collect", QUIZ],
                            cwd=root, env=nbgrader_env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (root / "submitted" / "smithjane" / QUIZ / NB).exists()
    assert (root / "submitted" / "leeomar" / QUIZ / NB).exists()
    summary = grade_quiz(root, QUIZ, progress=False, api=api)
    assert summary.scores == {"leeomar": (9.0, 12.0), "smithjane": (10.0, 12.0)}


# --- grading, feedback and export of a small cohort with known answers --------------------

def test_grade_feedback_and_export_of_a_known_cohort(course, capsys):
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    root, api = course
    key = _key(root)
    _submit(root, "ana", _answered(root, key))
    _submit(root, "ben", _answered(root, {**key, "1.3": "A", "1.4": "A"}))
    _submit(root, "cal", _answered(root, {}))
    assert cli.cmd_grade(root, QUIZ, progress=False, api=api) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "graded 3 submission(s)" in out and "Reconciliation" in out
    assert api.generate_feedback(QUIZ)["success"]
    for learner in ("ana", "ben", "cal"):
        assert (root / "feedback" / learner / QUIZ / f"{QUIZ}.html").exists()
    exporter = CsvExportPlugin(to=str(root / "grades.csv"))
    with Gradebook(api.coursedir.db_url) as gb:
        exporter.export(gb)
    rows = {r["student_id"]: r for r in csv.DictReader((root / "grades.csv").open())}
    assert {k: float(v["raw_score"]) for k, v in rows.items()} == {"ana": 10.0, "ben": 8.0, "cal": 0.0}


# --- quiet output ---------------------------------------------------------------------------

def _lines(text: str) -> list[str]:
    return [line for line in text.replace("\r", "\n").splitlines() if line.strip()]


def test_grade_shows_only_its_progress_bar_and_summary_unless_verbose(course, capfd):
    root, _api = course
    key = _key(root)
    _submit(root, "ada", _answered(root, key))
    _submit(root, "bob", _answered(root, {}))
    assert cli.main(["--course", str(root), "grade", QUIZ]) == cli.EXIT_OK
    out, err = capfd.readouterr()
    summary = _lines(out)
    assert len(summary) == 3 and re.fullmatch(rf"{QUIZ}: graded 2 submission\(s\) in [0-9.]+ s\.", summary[0])
    assert summary[1].startswith("Protection: ") and summary[2].startswith("Reconciliation: ")
    assert _lines(err) and all(line.startswith(f"Grading {QUIZ}:") for line in _lines(err)), _lines(err)
    assert "2/2" in _lines(err)[-1]
    assert cli.main(["--course", str(root), "grade", QUIZ, "--verbose", "--no-progress"]) == cli.EXIT_OK
    out, err = capfd.readouterr()
    assert len(_lines(out)) == 3 and "graded 2 submission(s)" in out
    assert "--- ada: nbgrader autograde succeeded" in err and "--- bob: nbgrader autograde succeeded" in err
    assert "Kernel is running over TCP" in err                  # the grading kernels' own log


# --- reconciliation and bad input ---------------------------------------------------------

def test_a_failed_regrade_is_caught_as_stale(course):
    root, api = course
    _submit(root, "dana", _answered(root, _key(root)))
    _submit(root, "eli", _answered(root, {}))
    assert grade_quiz(root, QUIZ, progress=False, api=api).ok
    # dana's notebook is replaced by a broken file; nbgrader keeps her old scores in the gradebook
    _submit(root, "dana", "{ this is not json")
    summary = grade_quiz(root, QUIZ, progress=False, api=api)
    assert not summary.ok
    assert summary.graded == ["eli"], "one failing submission does not stop the others"
    text = summary.report()
    assert "dana: STALE" in text and "not a readable notebook" in text
    assert "dana" not in summary.scores


def test_leftover_work_without_a_submission_is_reported(course):
    root, api = course
    _submit(root, "fay", _answered(root, {}))
    _submit(root, "gus", _answered(root, {}))
    assert grade_quiz(root, QUIZ, progress=False, api=api).ok
    shutil.rmtree(root / "submitted" / "gus")
    summary = grade_quiz(root, QUIZ, progress=False, api=api)
    text = summary.report()
    assert "gus: STALE: a grade row exists" in text and "gus: STALE: autograded work exists" in text


def test_renamed_and_corrupt_notebooks_are_flagged_and_others_graded(course):
    root, api = course
    _submit(root, "hal", _answered(root, _key(root)), name="my quiz.ipynb")
    _submit(root, "ivy", _answered(root, _key(root)))
    summary = grade_quiz(root, QUIZ, progress=False, api=api)
    text = summary.report()
    assert f"hal: notebook {NB} is missing from the submission (found my quiz.ipynb: renamed?" in text
    assert summary.scores["ivy"] == (10.0, 12.0)


def test_cli_bad_input_gets_a_message_and_status_2(generated, tmp_path, capsys):
    course = make_course(tmp_path / "new")
    assert cli.main(["--course", str(course), "grade", "s99-nothing"]) == 2
    assert "there is no quiz called 's99-nothing'" in capsys.readouterr().err
    assert cli.main(["--course", str(course), "grade", QUIZ]) == 2
    assert "there is no gradebook yet" in capsys.readouterr().err
    assert cli.main(["--course", str(tmp_path / "elsewhere"), "records"]) == 2
    assert "not a course folder" in capsys.readouterr().err
    assert cli.main(["--course", str(course), "records"]) == 2
    assert "no gradebook yet" in capsys.readouterr().err
    course = shutil.copytree(generated, tmp_path / "generated")   # QUIZ generated: a gradebook, no submissions
    assert cli.main(["--course", str(course), "grade", QUIZ]) == 2
    assert "no submissions for" in capsys.readouterr().err
    assert cli.main(["--course", str(course), "report", QUIZ]) == 2
    assert "no graded submissions" in capsys.readouterr().err
    assert cli.main(["--course", str(course), "demo-cohort", "0"]) == 2


def test_cli_is_installed_as_a_command():
    exe = Path(sys.executable).parent / "dncourse"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "grade-demo" in result.stdout


# --- item analysis: figures equal hand-computed ones --------------------------------------

def test_item_analysis_equals_hand_computed_values():
    scores = {  # five learners, three one-point questions
        "l1": {"q1": 1, "q2": 1, "q3": 1},
        "l2": {"q1": 1, "q2": 1, "q3": 0},
        "l3": {"q1": 1, "q2": 0, "q3": 0},
        "l4": {"q1": 1, "q2": 0, "q3": 1},
        "l5": {"q1": 1, "q2": 0, "q3": 0},
    }
    items = {i.grade_id: i for i in analyse(scores, {"q1": 1, "q2": 1, "q3": 1})}
    assert items["q1"].difficulty == pytest.approx(1.0)
    assert items["q2"].difficulty == pytest.approx(0.4)
    assert items["q3"].difficulty == pytest.approx(0.4)
    # q2 against the rest (q1+q3): x = 1,1,0,0,0 and y = 2,1,1,2,1 -> r = 1/6 by hand
    assert items["q2"].discrimination == pytest.approx(1 / 6)
    # q3 against the rest (q1+q2): x = 1,0,0,1,0 and y = 2,2,1,1,1 -> r = 1/6
    assert items["q3"].discrimination == pytest.approx(1 / 6)
    assert items["q1"].discrimination is None  # everyone scored the same
    assert "too easy" in items["q1"].flags and "discriminates badly" in items["q2"].flags
    row = item_rows([items["q2"]], {"q2": {"A": 3, "B": 2}})[0]
    assert row["difficulty"] == "0.400" and row["answers_given"] == "A: 3; B: 2"


def test_report_reads_answer_options_from_submissions(course, capsys):
    root, api = course
    key = _key(root)
    for learner, first in (("a1", "B"), ("a2", "B"), ("a3", "C"), ("a4", "E")):
        _submit(root, learner, _answered(root, {**key, "1.1": first}))
    grade_quiz(root, QUIZ, progress=False, api=api)
    assert cli.cmd_report(root, QUIZ) == cli.EXIT_OK
    rows = {r["grade_id"]: r for r in csv.DictReader((root / "reports" / QUIZ / "item-analysis.csv").open())}
    assert rows["q1_1_dry_meaning"]["answers_given"] == "A: 0; B: 2; C: 1; D: 0; badly formed: 1"
    assert rows["q1_1_dry_meaning"]["difficulty"] == "0.500"
    page = (root / "reports" / QUIZ / "item-analysis.html").read_text()
    assert "<img src=\"data:image/png;base64," in page and "alt=\"Bar charts of difficulty" in page


# --- training records ---------------------------------------------------------------------

@pytest.mark.parametrize("score, expected", [(8.0, True), (7.99, False), (10.0, True), (0.0, False)])
def test_pass_at_the_boundary_of_the_pass_mark(score, expected):
    assert passed(score, 10.0, 0.8) is expected


def test_records_csv_and_pages(tmp_path):
    when = datetime(2026, 11, 1, 10, 30)
    results = [
        QuizResult("kim", QUIZ, 9.6, 12, when, False, False),   # exactly 80%
        QuizResult("kim", "s07-final-assessment", 20, 20, when, False, True),
        QuizResult("lou", QUIZ, 9.5, 12, when, True, False),    # just under
    ]
    rows = record_rows(results, 0.8)
    assert [(r["learner"], r["quiz"], r["result"]) for r in rows] == [
        ("kim", QUIZ, "pass"), ("kim", "s07-final-assessment", "pass"), ("lou", QUIZ, "not yet passed")]
    assert "provisional" in rows[1]["status"] and rows[2]["status"] == "submitted late"
    assert {r["course_version"] for r in rows} == {dncourse.__version__}
    csv_path, pages = write_records(tmp_path, results, 0.8)
    assert [p.name for p in pages] == ["kim.html", "lou.html"]
    assert all(f"Course version: {dncourse.__version__}<br>" in page.read_text() for page in pages)
    assert "Final assessment: <b>pass</b>" in pages[0].read_text()
    assert "Final assessment: not yet taken" in pages[1].read_text()
    assert len(list(csv.DictReader(csv_path.open()))) == 3
    assert csv.DictReader(csv_path.open()).fieldnames[:3] == ["learner", "quiz", "course_version"]


def test_the_package_version_is_the_version_in_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert dncourse.__version__ == project["version"]


@pytest.fixture(scope="module")
def demo_course(generated_course, tmp_path_factory):
    """Five demo learners' submissions of QUIZ, made and graded through the command line, once."""
    course = shutil.copytree(generated_course, tmp_path_factory.mktemp("demo") / "course")
    assert cli.main(["--course", str(course), "demo-cohort", "5", "--quiz", QUIZ]) == 0
    assert cli.main(["--course", str(course), "grade", QUIZ, "--no-progress"]) == 0
    return course


def test_the_demo_cohort_is_fixed_by_its_seed(demo_course, tmp_path):
    from dncourse.instructor.demo_cohort import make_demo_cohort

    learners = sorted(p.name for p in (demo_course / "submitted").iterdir())
    assert learners == [f"learner{i:03d}" for i in range(1, 6)]
    for folder in ("source", "release"):
        shutil.copytree(demo_course / folder, tmp_path / folder)
    assert make_demo_cohort(tmp_path, QUIZ, 5) == learners
    for learner in learners:
        again = (tmp_path / "submitted" / learner / QUIZ / NB).read_text()
        assert again == (demo_course / "submitted" / learner / QUIZ / NB).read_text()


def test_demo_cohort_records_through_the_command_line(demo_course, capsys):
    assert cli.main(["--course", str(demo_course), "records"]) == 0
    rows = list(csv.DictReader((demo_course / "reports" / "records" / "records.csv").open()))
    assert len(rows) == 5
    assert [r["status"] for r in rows if r["learner"] == "learner005"][0].endswith("submitted late")
    assert len({r["score"] for r in rows}) > 1, "the cohort's answers are mixed"
    assert {r["course_version"] for r in rows} == {dncourse.__version__}
    assert f"Course version: {dncourse.__version__}" in (demo_course / "reports" / "records" / "learner001.html").read_text()


def _written(course) -> str:
    """The grade id of QUIZ's written (manually marked) question."""
    auto = {q.grade_id for q in read_questions(course / "source" / QUIZ / NB)}
    gids = [nbgrader_meta(c).get("grade_id") for c in json.loads((course / "source" / QUIZ / NB).read_text())["cells"]
            if nbgrader_meta(c).get("grade") and c["cell_type"] == "markdown"]
    assert len(gids) == 1 and gids[0] not in auto
    return gids[0]


def test_a_written_question_nobody_marked_yet_has_no_figures_and_no_flags(demo_course, tmp_path, capsys):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    shutil.copytree(demo_course, course)   # this test marks an answer: on its own copy
    written = _written(course)
    assert cli.cmd_report(course, QUIZ) == cli.EXIT_OK
    out = capsys.readouterr().out
    path = course / "reports" / QUIZ / "item-analysis.csv"
    row = {r["grade_id"]: r for r in csv.DictReader(path.open())}[written]
    assert row["status"] == "not marked yet" and row["flags"] == ""
    assert row["difficulty"] == "" and row["discrimination"] == ""
    label = row["question"]
    assert f"  - {label}: not marked yet" in out and f"  - {label}: too hard" not in out
    # once a person has marked one answer, the question has figures from the answers with a score
    url = open_course(course).coursedir.db_url
    with Gradebook(url) as gb:
        waiting = [g for s in gb.find_assignment(QUIZ).submissions for nb in s.notebooks for g in nb.grades
                   if g.name == written and g.needs_manual_grade]
        assert len(waiting) >= 2, "the demo cohort writes answers to the written question"
        waiting[0].manual_score = 2.0
        waiting[0].needs_manual_grade = False
        gb.db.commit()
    assert cli.cmd_report(course, QUIZ) == cli.EXIT_OK
    row = {r["grade_id"]: r for r in csv.DictReader(path.open())}[written]
    assert row["status"] == f"{len(waiting) - 1} answer(s) not marked yet; figures from the others"
    assert row["difficulty"] != "" and f"  - {label}: not marked yet" not in capsys.readouterr().out


def test_item_analysis_leaves_unmarked_written_questions_out():
    scores = {"l1": {"q1": 1, "w": 0}, "l2": {"q1": 0, "w": None}, "l3": {"q1": 1, "w": None}}
    items = {i.grade_id: i for i in analyse(scores, {"q1": 1, "w": 2}, marking={"w": (2, 0)})}
    assert items["w"].not_marked and items["w"].flags == [] and items["w"].difficulty is None
    assert items["w"].scores == {} and items["q1"].status == ""
    assert item_rows([items["w"]])[0]["status"] == "not marked yet"


class _FlakyAPI:
    """An nbgrader API whose autograde reports, in turn, each outcome it was given."""

    def __init__(self, *outcomes):
        self.outcomes, self.calls = list(outcomes), 0

    def autograde(self, quiz, learner):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_a_learner_whose_grading_kernel_never_started_is_graded_again():
    from dncourse.instructor.grading import KERNEL_NEVER_STARTED, _autograde_one

    never = {"success": False, "error": "", "log": f"[AutogradeApp | ERROR] RuntimeError: {KERNEL_NEVER_STARTED}"}
    api = _FlakyAPI(never, {"success": True, "log": "graded"})
    assert _autograde_one(api, "s01", "ada") == {"success": True, "error": "", "log": "graded"}
    assert api.calls == 2
    api = _FlakyAPI(RuntimeError(KERNEL_NEVER_STARTED), never)        # twice: reported as failed, not hidden
    outcome = _autograde_one(api, "s01", "ada")
    assert outcome["success"] is False and KERNEL_NEVER_STARTED in outcome["log"] and api.calls == 2
    api = _FlakyAPI({"success": False, "error": "DeadKernelError: Kernel died", "log": ""})
    outcome = _autograde_one(api, "s01", "ada")                        # died while running the learner's code
    assert outcome == {"success": False, "error": "DeadKernelError: Kernel died", "log": ""} and api.calls == 1
