"""The learner edition (dncourse/instructor/learner_edition.py): what learners get, and nothing more.

One edition is built from a copy of the course with a canary planted in every
secret region of every quiz.  No canary, answer key, attack or tampering
pattern may be in it, nor the instructor tools; the lessons' and quizzes'
imports must work from the edition's own package.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest

from dncourse.instructor.learner_edition import NEVER, PACKAGE_LEFT_OUT, build_learner_edition, learner_pyproject
from dncourse.instructor.quizspec import read_questions
from dncourse.instructor.release import quiz_ids
from tests.support.attack_corpus import ATTACKS
from tests.support.course import ROOT, cell_text

QUIZZES = quiz_ids(ROOT)
#: Words and code that name an attack on grading or a tampering pattern the integrity scan looks for.
TELLTALES = ["attack", "tamper", "sys.modules", "input_transformers", "ast_transformers", "set_custom_exc",
             "__eq__", "settrace", "setprofile", "register_magic_function", "monkeypatch"]


@pytest.fixture(scope="module")
def edition(canary_course, tmp_path_factory):
    """``(edition folder, canaries planted in the course it was built from)``."""
    tmp = tmp_path_factory.mktemp("edition")
    course, planted = canary_course
    course = shutil.copytree(course, tmp / "course")
    for folder in ("notebooks", "jupyter", "tools"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, course / folder)
    for name in ("environment.yml", "postBuild", "pyproject.toml"):
        (course / name).write_bytes((ROOT / name).read_bytes())
    (course / "gradebook.db").write_text("grades")
    return build_learner_edition(tmp / "edition", root=course), planted


def _files(out):
    return [p for p in out.rglob("*") if p.is_file()]


def test_the_edition_holds_lessons_quizzes_and_the_package(edition):
    out, _ = edition
    assert (out / "notebooks" / "00-start-here.ipynb").exists() and (out / "dncourse" / "answers.py").exists()
    assert sorted(p.name for p in (out / "release").iterdir()) == QUIZZES
    assert not [p for p in out.rglob("*") if p.name in NEVER]


def test_the_edition_holds_no_secret(edition):
    out, planted = edition
    files = _files(out)
    leaked = [(str(p.relative_to(out)), c) for p in files for c in planted if c.encode() in p.read_bytes()]
    assert leaked == [], f"secrets in the learner edition: {leaked[:5]}"
    for quiz in QUIZZES:  # and the answer keys of the real quizzes are nowhere either
        for q in read_questions(next((ROOT / "source" / quiz).glob("*.ipynb"))):
            marker = f'mark_answer("{q.number}"'
            assert not [p for p in files if marker.encode() in p.read_bytes()]


def test_the_edition_leaves_out_the_instructor_tools_and_names_no_attack(edition):
    out, _ = edition
    assert not (out / "dncourse" / "instructor").exists()
    assert [part for part in PACKAGE_LEFT_OUT if (out / "dncourse" / part).exists()] == []
    attacks = [f"atk_{a.name}" for a in ATTACKS]
    # "heart attack" is first aid (section 5), not an attack on grading
    named = [(str(p.relative_to(out)), word) for p in _files(out) for word in TELLTALES + attacks
             if word.encode() in p.read_bytes().replace(b"heart attack", b"")]
    assert named == [], f"the learner edition names attacks or tampering patterns: {named[:5]}"
    pyproject = (out / "pyproject.toml").read_text(encoding="utf-8")
    assert "[project.scripts]" not in pyproject and "dncourse.instructor" not in pyproject
    assert 'name = "dncourse"' in pyproject and "[tool.setuptools.package-data]" in pyproject


def _dncourse_imports(nb_path) -> list[str]:
    """The statements of a notebook's code cells that import from the course package."""
    statements = []
    for cell in json.loads(nb_path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse(cell_text(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            if any(name.split(".")[0] == "dncourse" for name in names):
                statements.append(ast.unparse(node))
    return statements


def test_lessons_and_quizzes_import_from_the_editions_package(edition):
    out, _ = edition
    notebooks = sorted((out / "notebooks").glob("*.ipynb")) + sorted((out / "release").glob("*/*.ipynb"))
    statements = sorted({s for nb in notebooks for s in _dncourse_imports(nb)})
    assert len(statements) >= len(notebooks), "every lesson and quiz imports the course package"
    code = "\n".join(statements + ["import dncourse", "print(dncourse.__file__)"])
    env = dict(os.environ, PYTHONPATH=str(out), MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", code], cwd=out, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(out / "dncourse" / "__init__.py")


def test_the_editions_pyproject_leaves_out_the_instructor_command():
    text = '[project]\nname = "x"\n\n[project.scripts]\nx = "x.cli:main"\n\n[tool.setuptools]\nzip-safe = false\n'
    assert learner_pyproject(text) == '[project]\nname = "x"\n\n[tool.setuptools]\nzip-safe = false\n'


def test_learner_edition_refuses_to_overwrite_the_course():
    with pytest.raises(ValueError):
        build_learner_edition(ROOT)
