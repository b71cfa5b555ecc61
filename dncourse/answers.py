"""Answer checking for every quiz in the course, in one place.

A learner answers a quiz question by typing a plain Python value into an
answer cell (``answer_1_2 = "B"``).  This module turns such a value into a
canonical form, in a fixed order: first its **type**, then its **format**,
then (only when marking) its **value**.

Two public entry points are used by the quiz notebooks:

* :func:`check_answer` runs in the visible part of every test cell.  It says
  exactly what to change when an answer is missing or badly formed, and it
  never reveals or hints at the right answer.
* :func:`mark_answer` runs in the hidden part of the test cell during
  autograding.  It raises :class:`WrongAnswer` with a neutral message when the
  answer is wrong.

:func:`normalise` and :func:`is_correct` are the same logic without printing
or raising, for widgets, the instructor tools and the tests.

Question kinds
--------------
``"choice"``     one letter from ``options`` (``"B"``, ``" b "``, ``"(b)"``)
``"multi"``      several letters (``"A, C"``, ``"ac"``, ``["A", "C"]``, ``{"a", "c"}``)
``"truefalse"``  ``True``/``False`` or ``"true"``, ``"T"``, ``"yes"``, ``"no"``...
``"order"``      every option letter once, in order (``"CABD"``, ``"C, A, B, D"``, ``["C", "A", "B", "D"]``)
``"number"``     a number; ``percent=True`` allows a typed ``%`` sign,
                 ``unit="points"`` allows that unit word after the number
"""

from __future__ import annotations

import math
import re
import unicodedata

__all__ = [
    "AnswerFormatError",
    "WrongAnswer",
    "KINDS",
    "normalise",
    "is_correct",
    "check_answer",
    "mark_answer",
]

KINDS = ("choice", "multi", "order", "truefalse", "number")

_TRUE_WORDS = {"true", "t", "yes", "y"}
_FALSE_WORDS = {"false", "f", "no", "n"}
# Quote marks a learner may type inside the string by mistake ("“B”").
_QUOTES = "\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb"
# Letters from Greek and Cyrillic keyboards that look exactly like A to E.
_LOOKALIKES = str.maketrans({
    "\u0391": "A", "\u0392": "B", "\u0395": "E",  # Greek capitals
    "\u0410": "A", "\u0412": "B", "\u0421": "C", "\u0415": "E",  # Cyrillic capitals
    "\u0430": "A", "\u0441": "C", "\u0435": "E",  # Cyrillic small letters
})


class AnswerFormatError(ValueError):
    """An answer has the wrong type or format.  The message says what to change."""


class WrongAnswer(AssertionError):
    """A well-formed answer that is not the right one.  The message never gives the answer."""


# ---------------------------------------------------------------------------
# helpers


def _label(question: str) -> str:
    return f"Question {question}" if question else "This question"


def _var(question: str) -> str:
    return f"answer_{question.replace('.', '_')}" if question else "your answer"


def _clean_text(text: str) -> str:
    """Unicode-normalise, trim, drop stray quote marks and map look-alike letters."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_LOOKALIKES)
    return text.strip().strip(_QUOTES).strip()


def _options_phrase(options: str) -> str:
    options = "".join(options)
    return f"{options[0]} to {options[-1]}" if len(options) > 2 else " or ".join(options)


def _describe_type(value) -> str:
    if value is None:
        return "None (nothing)"
    if isinstance(value, bool):
        return f"{value} (a true/false value)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "a list of several values"
    return f"a value of type {type(value).__name__}"


def _not_answered(question: str, how: str) -> AnswerFormatError:
    return AnswerFormatError(
        f"{_label(question)} is not answered yet. In the answer cell, replace the "
        f"three dots ... after {_var(question)} = with your answer. {how}"
    )


def _how(kind: str, var: str, options: str = "ABCD", percent: bool = False,
         unit: str | None = None) -> str:
    """The sentence that tells a learner how to type an answer of this kind."""
    if kind == "choice":
        return (f"Type one letter, {_options_phrase(options)}, between quotes, "
                f'for example {var} = "A".')
    if kind == "multi":
        return (f"Type every letter you choose ({_options_phrase(options)}) between quotes, "
                f'separated by commas, for example {var} = "A, C".')
    if kind == "order":
        return (f"Type all the letters {_options_phrase(options)} between quotes, each once, in the "
                f'order you choose, for example {var} = "{options[::-1]}".')
    if kind == "truefalse":
        return f"Type True or False, with a capital letter and no quotes, for example {var} = True."
    if kind == "number":
        extra = " You may add a % sign." if percent else (f" You may add the unit, {unit}." if unit else "")
        return f"Type a number without quotes, for example {var} = 12.5.{extra}"
    raise ValueError(f"unknown question kind {kind!r}; use one of {', '.join(KINDS)}")


# ---------------------------------------------------------------------------
# one normaliser per kind


def _letter(text: str, question: str, options: str, how: str) -> str:
    letter = _clean_text(text).strip("()[].:,;").strip().upper()
    if not letter:
        raise AnswerFormatError(f"{_label(question)}: your answer is empty. {how}")
    if len(letter) > 1:
        raise AnswerFormatError(
            f"{_label(question)}: {text!r} is more than one letter. This question has "
            f"only one right option. {how}")
    if letter not in options:
        raise AnswerFormatError(
            f"{_label(question)}: {text!r} is not one of the options "
            f"({_options_phrase(options)}). {how}")
    return letter


def _choice(value, question, options, how):
    if not isinstance(value, str):
        raise AnswerFormatError(
            f"{_label(question)}: your answer is {_describe_type(value)}, but this question "
            f"needs one letter. {how}")
    return _letter(value, question, options, how)


def _letters(value, question, options, how) -> list[str]:
    """The letters of a multi or order answer, in the order typed, each one checked."""
    if isinstance(value, str):
        text = _clean_text(value).upper()
        text = re.sub(r"\bAND\b|\bTHEN\b", " ", text)
        letters = []
        for part in (p for p in re.split(r"[\s,;/&+>\-]+", text) if p):
            # "AC" typed without separators counts as A and C.
            letters.extend(part.strip("()[].:").strip(_QUOTES))
    elif isinstance(value, (list, tuple, set, frozenset)):
        letters = []
        for item in value:
            if not isinstance(item, str):
                raise AnswerFormatError(
                    f"{_label(question)}: your list holds {_describe_type(item)}; every "
                    f"item must be a letter between quotes. {how}")
            letters.append(_letter(item, question, options, how))
    else:
        raise AnswerFormatError(
            f"{_label(question)}: your answer is {_describe_type(value)}, but this question "
            f"needs letters between quotes. {how}")
    if not letters:
        raise AnswerFormatError(f"{_label(question)}: your answer is empty. {how}")
    bad = sorted({letter for letter in letters if letter not in options})
    if bad:
        raise AnswerFormatError(
            f"{_label(question)}: {', '.join(bad)} is not one of the options "
            f"({_options_phrase(options)}). {how}")
    return letters


def _order(value, question, options, how):
    if isinstance(value, (set, frozenset)):
        raise AnswerFormatError(
            f"{_label(question)}: a set has no order. {how}")
    letters = _letters(value, question, options, how)
    repeated = sorted({x for x in letters if letters.count(x) > 1})
    if repeated:
        raise AnswerFormatError(
            f"{_label(question)}: {', '.join(repeated)} appears more than once; use each letter once. {how}")
    missing = [x for x in options if x not in letters]
    if missing:
        raise AnswerFormatError(
            f"{_label(question)}: {', '.join(missing)} is missing; put every step in the order. {how}")
    return "".join(letters)


def _multi(value, question, options, how):
    return "".join(sorted(set(_letters(value, question, options, how))))


def _truefalse(value, question, how):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = _clean_text(value).strip(".!").lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        if not word:
            raise AnswerFormatError(f"{_label(question)}: your answer is empty. {how}")
        raise AnswerFormatError(f"{_label(question)}: {value!r} is neither true nor false. {how}")
    raise AnswerFormatError(
        f"{_label(question)}: your answer is {_describe_type(value)}, but this question "
        f"needs True or False. {how}")


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$|^[+-]?\d+,\d{4,}$")


def _number(value, question, how, percent, unit):
    if isinstance(value, bool) or value is None:
        raise AnswerFormatError(
            f"{_label(question)}: your answer is {_describe_type(value)}, but this question "
            f"needs a number. {how}")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = _clean_text(value).replace("\u2212", "-").replace(" ", "")
        if not text:
            raise AnswerFormatError(f"{_label(question)}: your answer is empty. {how}")
        if text.endswith("%"):
            if not percent:
                raise AnswerFormatError(
                    f"{_label(question)}: this question does not ask for a percentage, so "
                    f"leave out the % sign. {how}")
            text = text[:-1]
        elif unit and text.lower().endswith(unit.lower().replace(" ", "")):
            text = text[: -len(unit.replace(" ", ""))]
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        elif _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise AnswerFormatError(
                f"{_label(question)}: {value!r} is not a number I can read. {how}") from None
    else:
        raise AnswerFormatError(
            f"{_label(question)}: your answer is {_describe_type(value)}, but this question "
            f"needs one number. {how}")
    if not math.isfinite(number):
        raise AnswerFormatError(f"{_label(question)}: {value!r} is not a usable number. {how}")
    return number


# ---------------------------------------------------------------------------
# public API


def normalise(value, kind: str, *, question: str = "", options: str = "ABCD",
              percent: bool = False, unit: str | None = None):
    """Return the canonical form of ``value`` for a question of ``kind``.

    Parameters
    ----------
    value : object
        What the learner assigned to the answer variable.
    kind : {"choice", "multi", "truefalse", "number"}
        The kind of question.
    question : str
        The question number ("1.2"), used in messages and the variable name.
    options : str
        The option letters, for choice and multi questions (default ``"ABCD"``).
    percent, unit :
        For number questions: whether a typed ``%`` is allowed, or which unit word.

    Returns
    -------
    str, bool or float
        One letter (choice), the sorted letters (multi, ``"AC"``), a bool or a float.

    Raises
    ------
    AnswerFormatError
        When the answer is missing or badly formed; the message says what to change.
    """
    how = _how(kind, _var(question), options, percent, unit)
    if value is Ellipsis:
        raise _not_answered(question, how)
    if kind == "choice":
        return _choice(value, question, options, how)
    if kind == "multi":
        return _multi(value, question, options, how)
    if kind == "order":
        return _order(value, question, options, how)
    if kind == "truefalse":
        return _truefalse(value, question, how)
    return _number(value, question, how, percent, unit)


def _same(answer, key, kind, tolerance):
    if kind == "number":
        return abs(answer - float(key)) <= float(tolerance) + 1e-9
    return answer == key


def is_correct(value, kind: str, key, *, tolerance: float = 0, **spec) -> bool:
    """Whether ``value`` is a well-formed, right answer.  A badly formed answer is not."""
    try:
        answer = normalise(value, kind, **spec)
    except AnswerFormatError:
        return False
    key = normalise(key, kind, **{k: v for k, v in spec.items() if k != "question"})
    return _same(answer, key, kind, tolerance)


def check_answer(question: str, value, kind: str, **spec) -> None:
    """Visible format check: raise a clear message or confirm the answer's form.

    It never compares with the right answer, so it cannot give it away.  It
    returns None on purpose: nbgrader would read a returned value at the end
    of a test cell as a partial score.
    """
    __tracebackhide__ = True  # learners see the message, not the checker's code
    try:
        answer = normalise(value, kind, question=question, **spec)
    except AnswerFormatError as problem:
        raise AnswerFormatError(str(problem)) from None  # a short traceback: just the message
    shown = {True: "True", False: "False"}.get(answer, answer) if kind == "truefalse" else answer
    if kind == "number":
        shown = f"{answer:g}"
    elif kind in ("multi", "order"):
        shown = ", ".join(answer)
    print(f"{_label(question)}: answer recorded as {shown}. "
          "The format is right; it is marked when you submit.")


def mark_answer(question: str, value, kind: str, *, key, tolerance: float = 0, **spec) -> None:
    """Hidden marking test: raise :class:`WrongAnswer` unless the answer is right.

    A badly formed answer raises :class:`AnswerFormatError` first, so it scores 0.
    """
    __tracebackhide__ = True  # learners see the message, not the checker's code
    try:
        answer = normalise(value, kind, question=question, **spec)
    except AnswerFormatError as problem:
        raise AnswerFormatError(str(problem)) from None
    expected = normalise(key, kind, **spec)
    if not _same(answer, expected, kind, tolerance):
        raise WrongAnswer(f"{_label(question)} did not earn its points.")
