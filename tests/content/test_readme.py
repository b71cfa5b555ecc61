"""The README's course map and commands stay true."""

from tests.support.course import ROOT
from dncourse.content.course import PASS_MARK, course_map_markdown, sections

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_course_map_in_readme_equals_sections_data():
    assert course_map_markdown() in README, "README's table differs from dncourse/content/data/sections.csv"


def test_ready_sections_have_their_lesson_and_quiz():
    for row in sections(ready_only=True):
        if row["lesson"]:
            assert (ROOT / row["lesson"]).exists(), row["lesson"]
        if row["quiz"]:
            assert (ROOT / "source" / row["quiz"]).is_dir(), row["quiz"]
            assert (ROOT / "release" / row["quiz"]).is_dir(), row["quiz"]


def test_every_lesson_and_quiz_is_on_the_course_map():
    rows = sections()
    lessons = {r["lesson"] for r in rows}
    quizzes = {r["quiz"] for r in rows}
    assert {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")} <= lessons
    assert {p.name for p in (ROOT / "source").glob("s[0-9][0-9]-*")} <= quizzes


def test_two_commands_and_ci():
    assert "`make lab`" in README and "`make test`" in README
    assert "exec make test" in (ROOT / ".ci" / "run").read_text()
    assert "urlpath=lab/tree/notebooks/00-start-here.ipynb" in README


def test_pass_mark_is_a_share():
    assert 0 < PASS_MARK <= 1
