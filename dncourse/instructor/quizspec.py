"""Read a quiz notebook without running it: its questions, answer cells and key.

Every auto-marked question follows one pattern: an answer cell that assigns
``answer_N_M`` and a test cell that calls ``check_answer("N.M", answer_N_M,
KIND, ...)`` and, in its hidden part, ``mark_answer(..., key=...)``.  Parsing
those calls with :mod:`ast` gives each question's kind, options and, in an
instructor's ``source/`` notebook, the answer key, without executing anything.
The tests, the pattern checks and the instructor tools all use this.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Question", "QuizSpecError", "read_questions", "literal_answer", "nbgrader_meta",
           "near_miss_markers"]


class QuizSpecError(ValueError):
    """A quiz notebook breaks the course's question pattern."""


@dataclass
class Question:
    """One auto-marked question of a quiz."""

    number: str                      # "1.2"
    variable: str                    # "answer_1_2"
    kind: str                        # choice, multi, truefalse, number
    grade_id: str                    # "q1_2_invasive"
    answer_grade_id: str             # "a1_2_invasive"
    points: float
    spec: dict = field(default_factory=dict)   # options, percent, unit
    key: object = None               # None in a release notebook
    tolerance: float = 0

    def normalised_key(self):
        """The answer key in canonical form (see :func:`dncourse.answers.normalise`)."""
        from dncourse.answers import normalise

        return normalise(self.key, self.kind, **self.spec)


def nbgrader_meta(cell) -> dict:
    """The nbgrader metadata of a cell ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [n for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name]


def _parse_call(call: ast.Call, where: str) -> tuple[str, str, str, dict]:
    if len(call.args) != 3:
        raise QuizSpecError(f"{where}: expected (number, answer variable, kind) as arguments")
    try:
        number = ast.literal_eval(call.args[0])
        kind = ast.literal_eval(call.args[2])
        keywords = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except ValueError:
        raise QuizSpecError(f"{where}: arguments must be plain values") from None
    if not isinstance(call.args[1], ast.Name):
        raise QuizSpecError(f"{where}: the second argument must be the answer variable")
    return number, call.args[1].id, kind, keywords


def read_questions(nb) -> list[Question]:
    """The auto-marked questions of notebook ``nb`` (a path or a parsed notebook)."""
    if isinstance(nb, (str, Path)):
        import json

        nb = json.loads(Path(nb).read_text(encoding="utf-8"))
    answers = {}
    questions = []
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] != "code":
            continue
        src = _source(cell)
        if meta.get("solution") and not meta.get("grade"):
            for name in _assigned_names(src):
                answers[name] = meta.get("grade_id", "")
        if not (meta.get("grade") and not meta.get("solution")):
            continue
        where = f"test cell {meta.get('grade_id')!r}"
        try:
            tree = ast.parse(src)
        except SyntaxError as exc:
            raise QuizSpecError(f"{where}: not valid Python ({exc.msg})") from None
        checks = _calls(tree, "check_answer")
        if len(checks) != 1:
            raise QuizSpecError(f"{where}: needs exactly one check_answer(...) call")
        number, variable, kind, spec = _parse_call(checks[0], where)
        question = Question(number=number, variable=variable, kind=kind,
                            grade_id=meta.get("grade_id", ""), answer_grade_id=answers.get(variable, ""),
                            points=float(meta.get("points", 0)), spec=spec)
        marks = _calls(tree, "mark_answer")
        if marks:
            m_number, m_variable, m_kind, m_spec = _parse_call(marks[0], where)
            question.key = m_spec.pop("key", None)
            question.tolerance = m_spec.pop("tolerance", 0)
            if (m_number, m_variable, m_kind, m_spec) != (number, variable, kind, spec):
                raise QuizSpecError(f"{where}: check_answer and mark_answer describe different questions")
        questions.append(question)
    return questions


def _assigned_names(src: str) -> list[str]:
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return []
    return [t.id for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)]


_NOT_LITERAL = object()


def literal_answer(src: str, variable: str):
    """Read the value an answer cell assigns to ``variable``, without running it.

    Returns ``(value, clean)``.  ``clean`` is False when the cell holds anything
    other than assignments of literal values to ``variable`` (comments and blank
    lines are fine).  ``value`` is the last literal assigned, ``Ellipsis`` when
    the cell still holds the placeholder, or None when nothing could be read.
    """
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return None, False
    value, clean = Ellipsis, True
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == variable):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                value, clean = None, False
        else:
            clean = False
    return value, clean


_MARKER_WORDS = r"(HIDDEN\s*TESTS?|SOLUTIONS?|MARK\s*SCHEMES?|MARKING\s*SCHEMES?)"
_EXACT_MARKERS = {
    "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "### BEGIN SOLUTION", "### END SOLUTION",
    "=== BEGIN SOLUTION ===", "=== END SOLUTION ===", "### BEGIN MARK SCHEME", "### END MARK SCHEME",
}


def near_miss_markers(text: str) -> list[str]:
    """Lines that look like nbgrader region markers but are not spelled exactly right.

    nbgrader silently releases a region whose marker is misspelt (for example
    ``### BEGIN HIDDEN TEST`` without the S), so such lines must not exist.
    """
    import re

    pattern = re.compile(rf"\b(BEGIN|END|START|STOP)\b\W*{_MARKER_WORDS}", re.IGNORECASE)
    return [line for line in text.splitlines()
            if pattern.search(line) and line.strip() not in _EXACT_MARKERS]
