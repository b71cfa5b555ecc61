"""The README and the guides in docs/ stay true: course map, commands, links, and no benchmark figures."""

import re

import pytest

from tests.support.course import ROOT
from dncourse.content.course import PASS_MARK, course_map_markdown, sections

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The guides the README must link to, each for one audience (and the benchmarks' own README).
GUIDES = ["docs/learners.md", "docs/instructor.md", "docs/developers.md", "bench/README.md"]
#: Where no benchmark figure may appear: figures live in bench/README.md only.
FIGURE_FREE = ["README.md"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))

# A ratio such as "1.23x", "0.55×" or "1.5 times", and a timing such as "1.14 s", "300 ms",
# "2.5 s per submission" or "4 seconds": the shapes benchmark results take.
_RATIO = re.compile(r"\b\d+(?:\.\d+)?\s?(?:x|×)(?![\w-])|\b\d+\.\d+\s+times\b", re.IGNORECASE)
_TIMING = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds?)\b(?![\w'’-])|\bs per\b", re.IGNORECASE)


def benchmark_figures(text: str) -> list[str]:
    """The ratios and timings in ``text`` (code spans and blocks included)."""
    return [m.group(0) for pattern in (_RATIO, _TIMING) for m in pattern.finditer(text)]


def test_course_map_in_readme_equals_sections_data():
    marker = "<!-- course map: generated from dncourse/content/data/sections.csv; a test keeps the two equal -->"
    assert f"{marker}\n{course_map_markdown()}\n" in README, \
        "README's table differs from dncourse/content/data/sections.csv (or its marker is gone)"


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
    assert "`make lab`" in README and "`make test`" in README and "`.ci/run`" in README
    assert "exec make test" in (ROOT / ".ci" / "run").read_text()
    assert "urlpath=lab/tree/notebooks/00-start-here.ipynb" in README


def test_the_readme_says_which_edition_binder_serves_and_where_it_must_not_be_used():
    link = re.search(r"\(https://mybinder\.org/v2/gh/[^/]+/[^/]+/([^?)]+)\?urlpath=", README)
    assert link and link.group(1) == "self-study", "the Binder link opens the self-study branch"
    assert "self-marking edition" in README and "`make learner-edition SELF_MARKING=1`" in README
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", README) if "self-marking edition" in s and "grades count" in s]
    assert sentences and "must never be used where grades count" in sentences[0]


@pytest.mark.parametrize("guide", GUIDES)
def test_readme_links_to_each_guide_and_it_exists(guide):
    assert f"]({guide})" in README, f"README.md has no link to {guide}"
    assert (ROOT / guide).is_file(), f"{guide} is linked from README.md but does not exist"


def test_relative_links_in_the_guides_lead_to_files():
    broken = []
    for name in FIGURE_FREE:
        path = ROOT / name
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target) and not (path.parent / target).exists():
                broken.append(f"{name} -> {target}")
    assert broken == []


@pytest.mark.parametrize("name", FIGURE_FREE)
def test_no_benchmark_figures_outside_bench_readme(name):
    found = benchmark_figures((ROOT / name).read_text(encoding="utf-8"))
    assert found == [], f"{name} quotes benchmark figures {found}: they belong in bench/README.md only"


@pytest.mark.parametrize("text", ["grading: 1.06x the floor", "import 0.55× of nbgrader", "1.14 s per learner",
                                  "about 300 ms", "took 2.5 seconds", "2.5 s against 4.5 s", "0.81 times the speed",
                                  "seconds s per submission"])
def test_the_figure_check_catches_figures(text):
    assert benchmark_figures(text), text


@pytest.mark.parametrize("text", ["Run `make test`", "a 1x1 grid", "Python 3.11", "nbgrader 0.9.6", "15 min",
                                  "12 learners", "80% of its points", "Question 1.2 (1 point)", "Cmd+Z",
                                  "answer_1_5 = 2000 - 16", "after about ten minutes"])
def test_the_figure_check_passes_plain_text(text):
    assert benchmark_figures(text) == [], text


def test_pass_mark_is_a_share():
    assert 0 < PASS_MARK <= 1
