"""`dncourse grade --workers N`: parallel grading with a PostgreSQL gradebook equals a serial SQLite run.

A real PostgreSQL server (Debian's ``postgresql``, installed by ``make
system-deps``) is started in a temporary folder, listening on a unix socket
only.  The same small cohort (synthetic learners, a broken file, a learner
who tampers with answers and one who tries to write into the course folder)
is graded serially with SQLite and in parallel with PostgreSQL; scores per
grade cell, problems, verified scores and protection must be identical.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest

from tests.support.course import IN_CI, ROOT, make_course
from dncourse.instructor import cli
from tests.support.attack_corpus import build_corpus
from dncourse.instructor.demo_cohort import make_demo_cohort
from dncourse.instructor.gradebook import gradebook_url, quiz_scores
from dncourse.instructor.grading import CourseError, grade_quiz
from dncourse.instructor.nbgrader_course import open_course
from dncourse.pgserver import PostgresServer, missing_reason

QUIZ = "s01-what-is-dry-needling"
NB = f"{QUIZ}.ipynb"
ATTACKERS = ("atk_shadow_mark_answer", "atk_file_access")


@pytest.fixture(scope="module")
def postgres():
    """A private PostgreSQL server for this module; stopped (and its folder removed) afterwards."""
    problem = missing_reason()
    if problem is None and importlib.util.find_spec("psycopg2") is None:
        problem = "the PostgreSQL driver psycopg2 is missing: `make test` installs requirements-test.txt"
    if problem:
        if IN_CI:
            pytest.fail(f"parallel grading cannot be tested under CI: {problem}", pytrace=False)
        pytest.skip(problem)
    server = PostgresServer().start()
    yield server
    server.stop()
    assert not server.folder.exists()


def _cohort(root):
    """Six learners: three synthetic, a broken file, a forger and a file tamperer."""
    make_demo_cohort(root, QUIZ, 3)
    broken = root / "submitted" / "learner_broken" / QUIZ
    broken.mkdir(parents=True)
    (broken / NB).write_text("{ not a notebook", encoding="utf-8")
    (broken / "timestamp.txt").write_text("2026-11-29 09:00:00.000000 UTC")
    corpus = build_corpus(root, QUIZ)
    for learner in ATTACKERS:
        nb, when, _attack = corpus[learner]
        folder = root / "submitted" / learner / QUIZ
        folder.mkdir(parents=True)
        (folder / NB).write_text(json.dumps(nb), encoding="utf-8")
        (folder / "timestamp.txt").write_text(when)


def _course(tmp, db_url=None):
    root = make_course(tmp)
    if db_url:
        with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
            config.write(f"\n# The gradebook is a PostgreSQL database (parallel grading)\n"
                         f"c.CourseDirectory.db_url = {db_url!r}\n")
    api = open_course(root)
    assert api.generate_assignment(QUIZ)["success"]
    _cohort(root)
    return root, api


def _problems(summary, root):
    return [str(p).replace(str(root), "<course>") for p in summary.problems]


@pytest.fixture(scope="module")
def graded(postgres, tmp_path_factory):
    """The cohort graded serially with SQLite and with 2 workers and PostgreSQL."""
    serial_root, serial_api = _course(tmp_path_factory.mktemp("serial"))
    serial = grade_quiz(serial_root, QUIZ, progress=False, api=serial_api)
    url = postgres.create_database("gradebook_parallel")
    parallel_root, _ = _course(tmp_path_factory.mktemp("parallel"), url)
    parallel = grade_quiz(parallel_root, QUIZ, progress=True, workers=2)
    return (serial_root, serial), (parallel_root, parallel), url


def test_the_parallel_course_really_uses_postgresql(graded):
    (serial_root, _), (parallel_root, _), url = graded
    assert gradebook_url(serial_root).startswith("sqlite:///")
    assert gradebook_url(parallel_root) == url and url.startswith("postgresql")
    assert not (parallel_root / "gradebook.db").exists(), "parallel grading wrote an SQLite gradebook"


def test_scores_per_grade_cell_are_identical(graded):
    (serial_root, serial), (parallel_root, parallel), _ = graded
    serial_scores, serial_max = quiz_scores(serial_root, QUIZ)
    parallel_scores, parallel_max = quiz_scores(parallel_root, QUIZ)
    assert serial_max == parallel_max
    assert sorted(serial_scores) == sorted(parallel_scores)
    assert len(serial_scores) == 6, "every learner has a grade row (the broken file's stays empty)"
    assert serial_scores == parallel_scores
    assert len({sum(v or 0 for v in row.values()) for row in serial_scores.values()}) > 1, "the cohort is mixed"


def test_summaries_are_identical(graded):
    (serial_root, serial), (parallel_root, parallel), _ = graded
    assert parallel.graded == serial.graded
    assert "learner_broken" not in serial.graded and len(serial.graded) == 5
    assert parallel.scores == serial.scores
    assert parallel.verified == serial.verified
    assert parallel.protection == serial.protection
    assert _problems(parallel, parallel_root) == _problems(serial, serial_root)


def test_problems_are_still_found_in_parallel(graded):
    (_, _), (root, parallel), _ = graded
    text = "\n".join(_problems(parallel, root))
    assert "learner_broken: " in text and "not a readable notebook" in text
    assert "learner_broken: autograde failed" in text
    assert "atk_shadow_mark_answer: INTEGRITY" in text
    assert "atk_file_access: INTEGRITY" in text


def test_the_sandbox_applies_in_the_workers(graded):
    (_, serial), (root, parallel), _ = graded
    from dncourse.instructor.integrity.sandbox import sandbox_available

    if IN_CI:
        assert sandbox_available(), "CI installs bubblewrap (debian-packages.txt)"
    if sandbox_available():
        assert "bubblewrap sandbox" in parallel.protection
        assert "tampered" not in (root / "source" / "header.ipynb").read_text(encoding="utf-8"), \
            "learner code in a worker wrote into the course folder"


def test_a_parallel_regrade_through_the_command_line(graded, capsys):
    (_, _), (root, parallel), _ = graded
    before, _ = quiz_scores(root, QUIZ)
    # the broken learner sends a good file (a copy of learner001's) and the quiz is graded again
    shutil.copy2(root / "submitted" / "learner001" / QUIZ / NB, root / "submitted" / "learner_broken" / QUIZ / NB)
    status = cli.main(["--course", str(root), "grade", QUIZ, "--workers", "2", "--no-progress"])
    out = capsys.readouterr().out
    assert status == cli.EXIT_ATTENTION, out   # the two attackers are still flagged
    assert "graded 6 submission(s)" in out and "learner_broken" not in out and "STALE" not in out
    after, _ = quiz_scores(root, QUIZ)
    assert after["learner_broken"] == after["learner001"] == before["learner001"]
    assert {k: v for k, v in after.items() if k != "learner_broken"} == \
        {k: v for k, v in before.items() if k != "learner_broken"}


def test_sqlite_with_workers_is_refused_with_a_clear_message(tmp_path, capsys):
    root, api = _course(tmp_path)
    with pytest.raises(CourseError, match="needs a PostgreSQL gradebook"):
        grade_quiz(root, QUIZ, progress=False, api=api, workers=2)
    assert cli.main(["--course", str(root), "grade", QUIZ, "--workers", "3"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "--workers 3 needs a PostgreSQL gradebook" in err and "c.CourseDirectory.db_url" in err
    assert cli.main(["--course", str(root), "grade", QUIZ, "--workers", "0"]) == cli.EXIT_BAD_INPUT
    assert not (root / "autograded").exists(), "nothing was graded"


def test_an_unreachable_postgresql_gradebook_gets_a_message(tmp_path, postgres, capsys):
    root = make_course(tmp_path)
    url = postgres.url("no_such_database")
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    (root / "submitted" / "someone" / QUIZ).mkdir(parents=True)
    assert cli.main(["--course", str(root), "grade", QUIZ, "--workers", "2"]) == cli.EXIT_BAD_INPUT
    assert "cannot open the gradebook" in capsys.readouterr().err


def test_the_instructor_guide_explains_a_postgresql_gradebook():
    guide = (ROOT / "docs" / "instructor.md").read_text(encoding="utf-8")
    assert "--workers" in guide and "c.CourseDirectory.db_url" in guide and "postgresql" in guide
