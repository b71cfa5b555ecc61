"""Build the learner edition: the course as learners and public hosting should get it.

It holds the lessons, the student versions of the quizzes, the course package
as lessons and quizzes use it, the environment and the Binder and JupyterLab
settings files, and nothing that gives answers away or is for staff only: no
``source/`` (solutions, hidden tests, mark schemes), no gradebook, no
learners' work, no instructor configuration (``nbgrader_config.py``: a
learner's Validate runs with nbgrader's defaults), no tests, and none of the
package's instructor tools (``dncourse/instructor/``: grading, the integrity
checks) or its headless runner for tests (``dncourse/runner.py``).  Its
``pyproject.toml`` installs the package without the instructor's command.  ``python -m dncourse.instructor.learner_edition OUT`` (or ``make learner-edition``)
writes it to OUT; the tests plant canaries in every secret and check that none
of them reaches it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from dncourse.instructor.release import COURSE_ROOT

__all__ = ["ANSWER_PARTS", "INCLUDE", "NEVER", "PACKAGE_LEFT_OUT", "build_learner_edition", "self_marking_keys"]

#: Paths copied from the course folder when they exist (folders recursively).
INCLUDE = ["notebooks", "release", "environment.yml", "postBuild", "pyproject.toml", "jupyter",
           "tools/pins.py"]
#: Names that must never be in the edition, wherever they appear.
NEVER = {"source", "gradebook.db", "submitted", "autograded", "feedback", "downloaded", "exchange",
         "nbgrader_config.py", "tests", "reports", "__pycache__", ".ipynb_checkpoints"}
#: Parts of the course package (relative to ``dncourse/``) that learners never use.
PACKAGE_LEFT_OUT = ["instructor", "runner.py"]
#: Parts that give answers away: only the self-marking edition holds them.
ANSWER_PARTS = ["content/data/explanations", "content/data/explanations.schema.json"]
#: Tables of pyproject.toml left out of the edition's copy: the instructor's command, the tests' settings.
PYPROJECT_LEFT_OUT = {"project.scripts", "tool.pytest.ini_options"}

_README = """# Dry Needling: Benefits and Safety (learner edition)

A self-paced JupyterLab course for clinic staff on what dry needling can and cannot do, and how it is done safely.
Start with `notebooks/00-start-here.ipynb`. Quizzes are in `release/`: answer them, then submit as your instructor says.

*Educational material only: it does not replace supervised, hands-on training. Who may dry needle, and how, is set by
the law where you work, your profession's scope of practice and your employer's policy.*

## Sections

{course_map}

## Run it

- On Binder: open this folder's repository on mybinder.org with `urlpath=lab/tree/notebooks/00-start-here.ipynb`.
- On your own machine with Python 3.11: `python3.11 -m venv .venv && .venv/bin/pip install -r <(.venv/bin/python tools/pins.py) -e . && .venv/bin/jupyter lab notebooks/00-start-here.ipynb`
"""


def _ignore(_folder, names):
    return [n for n in names if n in NEVER or n.endswith((".pyc", ".db"))]


def _package_ignore(package: Path, self_marking: bool = False):
    """A copytree ``ignore`` for the course package: NEVER names, :data:`PACKAGE_LEFT_OUT` and,
    unless ``self_marking``, :data:`ANSWER_PARTS`."""
    parts = PACKAGE_LEFT_OUT + ([] if self_marking else ANSWER_PARTS)
    left_out = {(package / part).resolve() for part in parts}

    def ignore(folder, names):
        return _ignore(folder, names) + [n for n in names if (Path(folder) / n).resolve() in left_out]
    return ignore


def learner_pyproject(text: str) -> str:
    """``pyproject.toml`` text without the tables in :data:`PYPROJECT_LEFT_OUT`."""
    out, keep = [], True
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]") and not stripped.startswith("[["):
            keep = stripped.strip("[]").strip() not in PYPROJECT_LEFT_OUT
        if keep:
            out.append(line)
    return "\n".join(out).rstrip() + "\n"


_SELF_MARKING_README = """
## This is the self-marking edition

Every quiz ends with a **Mark my quiz** step that scores your answers, shows your score against the pass mark and explains
each question with its sources. It is for studying on your own:
**a self-marking edition carries every answer, so it must never be used where grades count.**
"""

_MARK_INTRO = """## Mark my quiz

This copy of the course is the **self-marking edition**, for studying on your own. When you have answered every question
above, run the cell below (Shift+Enter): it marks your answers with the course's checker, shows your score against the pass
mark, and for each question gives the right answer, why it is right and the sources.

*Your score here is a self-check, not a grade.*"""

_OPTION = re.compile(r"^- \*\*([A-Z])\.\*\* (.+)$", re.M)
_SOLUTION = re.compile(r"=== BEGIN SOLUTION ===(.*?)=== END SOLUTION ===", re.S)


def _shown(question, heading: str) -> str:
    """The right answer in words: letters with their option text, True/False, or the number with its unit."""
    from dncourse.answers import normalise

    key = normalise(question.key, question.kind, **question.spec)
    options = dict(_OPTION.findall(heading))
    if question.kind == "truefalse":
        return "True" if key else "False"
    if question.kind == "number":
        unit = "%" if question.spec.get("percent") else f" {question.spec['unit']}" if question.spec.get("unit") else ""
        return f"{key:g}{unit}"
    letters = [key] if question.kind == "choice" else list(key)
    if question.kind == "order":
        steps = " → ".join(options.get(letter, "").strip().rstrip(".") for letter in letters)
        return f"{' → '.join(letters)}: {steps}"
    return "; ".join(f"{letter}. {options.get(letter, '').strip()}".strip() for letter in letters)


def self_marking_keys(root: Path) -> dict:
    """The keys, right answers in words and written questions' model answers of every quiz in ``root/source``."""
    from dncourse.instructor.quizspec import nbgrader_meta, read_questions
    from dncourse.instructor.release import quiz_ids

    keys = {}
    for quiz in quiz_ids(root):
        path = next((Path(root) / "source" / quiz).glob("*.ipynb"))
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
        numbers = [m.group(1) if m else None for m in (re.match(r"## Question (\d+\.\d+) ", t) for t in texts)]
        headings = {n: t for n, t in zip(numbers, texts) if n}
        title = next((t.splitlines()[0].lstrip("# ").strip() for t in texts if t.startswith("# ")), quiz)
        entries = []
        for q in read_questions(nb):
            entries.append({"number": q.number, "variable": q.variable, "kind": q.kind, "key": q.key,
                            "spec": q.spec, "tolerance": q.tolerance, "points": q.points,
                            "shown": _shown(q, headings.get(q.number, ""))})
        current = None
        for cell, text, number in zip(nb["cells"], texts, numbers):
            current = number or current
            meta = nbgrader_meta(cell)
            if cell["cell_type"] == "markdown" and meta.get("grade") and meta.get("solution") and current:
                model = _SOLUTION.search(text)
                entries.append({"number": current, "kind": "written", "points": meta.get("points", 0),
                                "model_answer": model.group(1).strip() if model else ""})
        entries.sort(key=lambda e: [int(part) for part in e["number"].split(".")])
        keys[quiz] = {"title": title, "questions": entries}
    return keys


def _add_mark_my_quiz(notebook: Path, quiz: str) -> None:
    """Append the *Mark my quiz* step to a learner's copy of ``quiz``."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    lines = lambda text: [line + "\n" for line in text.split("\n")[:-1]] + [text.split("\n")[-1]]  # noqa: E731
    nb["cells"] += [
        {"cell_type": "markdown", "id": "mark-my-quiz-intro", "metadata": {}, "source": lines(_MARK_INTRO)},
        {"cell_type": "code", "execution_count": None, "id": "mark-my-quiz", "metadata": {}, "outputs": [],
         "source": lines(f"from dncourse.self_marking import mark_my_quiz\nmark_my_quiz({quiz!r}, globals())")},
    ]
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def build_learner_edition(out: Path, root: Path = COURSE_ROOT, *, self_marking: bool = False) -> Path:
    """Write the learner edition of the course in ``root`` to ``out`` (replaced if it exists).

    With ``self_marking`` every quiz ends with a *Mark my quiz* step, and the
    edition carries the answer keys and explanations it needs: never use such
    an edition where grades count.
    """
    from dncourse.content.course import course_map_markdown

    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root in out.parents and out.parts[len(root.parts)] in ("source", "release", "notebooks"):
        raise ValueError(f"choose an output folder outside the course's own folders, not {out}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in INCLUDE:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, out / name, ignore=_ignore)
        elif src.is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, out / name)
    package = Path(__file__).resolve().parents[1]
    shutil.copytree(package, out / "dncourse", ignore=_package_ignore(package, self_marking))
    if (out / "pyproject.toml").exists():
        pyproject = out / "pyproject.toml"
        pyproject.write_text(learner_pyproject(pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    readme = _README.format(course_map=course_map_markdown())
    if self_marking:
        keys = self_marking_keys(root)
        (out / "dncourse" / "content" / "self_marking_keys.json").write_text(
            json.dumps(keys, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        for quiz in keys:
            for notebook in sorted((out / "release" / quiz).glob("*.ipynb")):
                _add_mark_my_quiz(notebook, quiz)
        readme = readme.replace("\n## Sections", _SELF_MARKING_README + "\n## Sections", 1)
    (out / "README.md").write_text(readme, encoding="utf-8")
    leaked = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.name in NEVER)
    leaked += [f"dncourse/{part}" for part in PACKAGE_LEFT_OUT if (out / "dncourse" / part).exists()]
    if leaked:
        shutil.rmtree(out)
        raise RuntimeError(f"refusing to build: instructor-only files would be included: {leaked}")
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m dncourse.instructor.learner_edition [--self-marking] OUT``."""
    args = list(sys.argv[1:] if argv is None else argv)
    self_marking = "--self-marking" in args
    args = [a for a in args if a != "--self-marking"]
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m dncourse.instructor.learner_edition [--self-marking] OUTPUT_FOLDER", file=sys.stderr)
        return 2
    try:
        out = build_learner_edition(Path(args[0]), self_marking=self_marking)
    except (ValueError, RuntimeError) as exc:
        print(f"learner-edition: {exc}", file=sys.stderr)
        return 2
    if self_marking:
        print(f"Self-marking learner edition written to {out}: every quiz ends with 'Mark my quiz', and the edition "
              "carries the answer keys. Never use it where grades count.")
    else:
        print(f"Learner edition written to {out} (no source/, solutions, hidden tests, mark schemes, gradebook "
              "or instructor tools).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
