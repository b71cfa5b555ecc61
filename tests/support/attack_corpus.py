"""Submissions of any quiz for testing grading, built from its release notebook.

:func:`known_cases` are honest submissions with known scores (perfect,
untouched, one wrong answer...).  :func:`build_corpus` is an adversarial
corpus: each entry is a submission that answers every question **wrongly** (so its
honest score is 0) and then tries to get credit anyway, with one of the
techniques that work against nbgrader's in-kernel tests, or that try to break
grading for everyone.  The tests grade the whole corpus and check that grading
completes and that no submission gets more credit than its answers earn
without being flagged.  Instructors can run it on a new quiz too.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from dncourse.instructor.quizspec import Question, nbgrader_meta, read_questions

__all__ = ["Attack", "ATTACKS", "BAD_FORMS", "build_corpus", "known_cases", "wrong_answer"]

# Code put into the first answer cell, after the wrong answer.
_INPUT_TRANSFORMER = '''
def _swap(lines):
    return [line.replace("mark_answer(", "print(") for line in lines]
get_ipython().input_transformers_cleanup.append(_swap)'''
_AST_TRANSFORMER = '''
import ast as _ast
class _Drop(_ast.NodeTransformer):
    def visit_Expr(self, node):
        call = node.value
        if isinstance(call, _ast.Call) and getattr(call.func, "id", "") == "mark_answer":
            return _ast.Pass()
        return node
get_ipython().ast_transformers.append(_Drop())'''
_SHADOW = '''
mark_answer = lambda *args, **kwargs: None'''
_MONKEYPATCH = '''
import dncourse.answers
dncourse.answers.normalise = lambda value, kind, **spec: "X"
dncourse.answers._same = lambda *args: True'''
_CUSTOM_EXC = '''
get_ipython().set_custom_exc((Exception,), lambda shell, etype, evalue, tb, tb_offset=None: None)'''
_EQ_OBJECT = '''
class _Yes(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__'''
_FILES = '''
import os
for _target in ("../../../gradebook.db", "../../../source/header.ipynb"):
    try:
        with open(_target, "a") as _f:
            _f.write("tampered")
    except OSError:
        pass'''
_EXIT = '''
import os
os._exit(0)'''
_LOOP = '''
while True:
    pass'''
_HUGE = '''
print("x" * 5_000_000)'''


@dataclass
class Attack:
    """One adversarial submission: how it is made and whether it must be flagged."""

    name: str
    code: str = ""            # appended to the first answer cell
    must_flag: bool = True    # the integrity checks must flag it
    honest: bool = False      # answers are right (credit is earned), only their form is odd


ATTACKS = [
    Attack("input_transformer", _INPUT_TRANSFORMER),
    Attack("ast_transformer", _AST_TRANSFORMER),
    Attack("shadow_mark_answer", _SHADOW),
    Attack("monkeypatch_module", _MONKEYPATCH),
    Attack("custom_exception_handler", _CUSTOM_EXC),
    Attack("eq_object", _EQ_OBJECT),
    Attack("file_access", _FILES),
    Attack("process_exit", _EXIT),
    Attack("infinite_loop", _LOOP),
    Attack("huge_output", _HUGE),
    Attack("unicode_answers", must_flag=False, honest=True),
    Attack("deleted_test_cell", must_flag=False),
    Attack("deleted_answer_cell"),
    Attack("renamed_grade_id"),
    Attack("changed_cell_type"),
    Attack("missing_notebook"),
    Attack("late_timestamp", must_flag=False),
]


def wrong_answer(q: Question):
    """A well-formed answer to ``q`` that is not the key."""
    key = q.normalised_key()
    if q.kind == "choice":
        return next(letter for letter in q.spec.get("options", "ABCD") if letter != key)
    if q.kind == "multi":
        options = q.spec.get("options", "ABCD")
        return options[0] if key != options[0] else options[1]
    if q.kind == "order":
        return key[::-1]
    if q.kind == "truefalse":
        return not key
    return float(key) + 10 * (q.tolerance + 1)


#: A badly formed answer of each kind (it must score 0 with a plain message, never crash).
BAD_FORMS = {"choice": "E", "multi": "", "truefalse": None, "number": "abc", "order": ["A"]}


def _answered(release_nb: dict, questions: list[Question], answers: dict) -> dict:
    """A copy of ``release_nb`` with ``answers[question number]`` typed into the answer cells."""
    nb = copy.deepcopy(release_nb)
    by_id = {q.answer_grade_id: q for q in questions}
    for cell in nb["cells"]:
        q = by_id.get(nbgrader_meta(cell).get("grade_id"))
        if q is not None and q.number in answers:
            cell["source"] = f"{q.variable} = {answers[q.number]!r}\n"
    return nb


def known_cases(root: Path, quiz: str) -> dict[str, tuple[dict, float]]:
    """``{case: (notebook, expected auto-marked score)}`` for honest submissions of ``quiz``.

    Cases: ``perfect``, ``untouched`` (the release as is), ``one_wrong`` (the
    first question), ``all_wrong``, ``malformed`` (every answer badly formed)
    and ``source_as_is`` (the instructor's own notebook, solutions and all).
    """
    root = Path(root)
    release_path = next((root / "release" / quiz).glob("*.ipynb"))
    release = json.loads(release_path.read_text(encoding="utf-8"))
    source = root / "source" / quiz / release_path.name
    questions = read_questions(source)
    total = sum(q.points for q in questions)
    first = questions[0]
    right = {q.number: q.normalised_key() for q in questions}
    malformed = {q.number: (["A"] if q.kind == "choice" and q is first else BAD_FORMS[q.kind]) for q in questions}
    return {
        "perfect": (_answered(release, questions, right), total),
        "untouched": (release, 0),
        "one_wrong": (_answered(release, questions, {**right, first.number: wrong_answer(first)}),
                      total - first.points),
        "all_wrong": (_answered(release, questions, {q.number: wrong_answer(q) for q in questions}), 0),
        "malformed": (_answered(release, questions, malformed), 0),
        "source_as_is": (json.loads(source.read_text(encoding="utf-8")), total),
    }


def _unicode(q: Question):
    """The right answer typed with full-width letters or digits (it must still count)."""
    key = q.normalised_key()
    wide = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "ABCDEFGH0123456789"})
    if q.kind in ("choice", "multi", "order"):
        return key.translate(wide)
    if q.kind == "truefalse":
        return "ｙｅｓ" if key else "ｎｏ"
    return f"{key:g}".translate(wide)


def build_corpus(root: Path, quiz: str) -> dict[str, tuple[dict | None, str, Attack]]:
    """``{learner: (notebook or None, timestamp, attack)}`` for every attack on ``quiz``.

    Needs ``release/<quiz>/`` and ``source/<quiz>/`` in ``root``.  Learner ids are
    ``atk_<attack name>``.
    """
    root = Path(root)
    release_path = next((root / "release" / quiz).glob("*.ipynb"))
    release = json.loads(release_path.read_text(encoding="utf-8"))
    questions = read_questions(root / "source" / quiz / release_path.name)
    corpus = {}
    for attack in ATTACKS:
        nb = copy.deepcopy(release)
        by_id = {q.answer_grade_id: q for q in questions}
        first_answer = None
        for cell in nb["cells"]:
            q = by_id.get(nbgrader_meta(cell).get("grade_id"))
            if q is None:
                continue
            value = _unicode(q) if attack.name == "unicode_answers" else wrong_answer(q)
            cell["source"] = f"{q.variable} = {value!r}\n"
            first_answer = first_answer or (cell, q)
        cell, q = first_answer
        if attack.name == "eq_object":
            cell["source"] = f"{attack.code.strip()}\n{q.variable} = _Yes({wrong_answer(q)!r})\n"
        elif attack.code:
            cell["source"] += attack.code.lstrip("\n") + "\n"
        cells = nb["cells"]
        if attack.name == "deleted_test_cell":
            nb["cells"] = [c for c in cells if nbgrader_meta(c).get("grade_id") != q.grade_id]
        elif attack.name == "deleted_answer_cell":
            nb["cells"] = [c for c in cells if c is not cell]
        elif attack.name == "renamed_grade_id":
            cell["metadata"]["nbgrader"]["grade_id"] = q.answer_grade_id + "_mine"
        elif attack.name == "changed_cell_type":
            cell["cell_type"] = "markdown"
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        when = "2026-11-29 09:00:00.000000 UTC"
        if attack.name == "late_timestamp":
            when = "2099-01-01 00:00:00.000000 UTC"
        corpus[f"atk_{attack.name}"] = (None if attack.name == "missing_notebook" else nb, when, attack)
    return corpus
