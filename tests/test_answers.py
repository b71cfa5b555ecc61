"""Unit tests of answer normalisation: the one checker every quiz uses."""

import pytest

from dncourse.answers import (AnswerFormatError, WrongAnswer, check_answer, is_correct,
                              mark_answer, normalise)


@pytest.mark.parametrize("typed", ["B", "b", " b ", "\tB\n", "(B)", "B.", "b)", "“B”", "'B'", "Ｂ", "\u0412"])
def test_choice_accepts_forms_of_one_letter(typed):
    assert normalise(typed, "choice", options="ABCD") == "B"


@pytest.mark.parametrize("typed, fragment", [
    ("E", "not one of the options"),
    ("", "empty"),
    ("   ", "empty"),
    ("AB", "more than one letter"),
    (None, "None"),
    (["B"], "list"),
    (2, "number"),
    (True, "true/false"),
    (..., "not answered yet"),
])
def test_choice_rejects_with_a_message_that_says_what_to_type(typed, fragment):
    with pytest.raises(AnswerFormatError) as problem:
        normalise(typed, "choice", question="1.2", options="ABCD")
    message = str(problem.value)
    assert fragment in message
    assert "Type one letter, A to D, between quotes" in message
    assert "Question 1.2" in message and "answer_1_2" in message


@pytest.mark.parametrize("typed", ["A, C", "ac", "C A", "a and c", "A;C", ["A", "C"], ("c", "a"),
                                   {"a", "c"}, frozenset("AC"), "A,C,A", "ＡＣ"])
def test_multi_accepts_every_documented_form(typed):
    assert normalise(typed, "multi", options="ABCD") == "AC"


@pytest.mark.parametrize("typed", ["A, E", "", [], ["A", 3], 7, None, "A, CC, X"])
def test_multi_rejects_bad_forms(typed):
    with pytest.raises(AnswerFormatError):
        normalise(typed, "multi", options="ABCD")


@pytest.mark.parametrize("typed, expected", [
    (True, True), (False, False), ("true", True), ("True", True), ("T", True), ("yes", True),
    ("y", True), (" YES ", True), ("false", False), ("F", False), ("no", False), ("n", False),
    ("“False”", False), ("ｔｒｕｅ", True),
])
def test_truefalse_forms(typed, expected):
    assert normalise(typed, "truefalse") is expected


@pytest.mark.parametrize("typed", ["maybe", "", 1, 0, None, ["True"], ...])
def test_truefalse_rejects(typed):
    with pytest.raises(AnswerFormatError) as problem:
        normalise(typed, "truefalse", question="1.8")
    assert "True or False" in str(problem.value)


@pytest.mark.parametrize("typed, expected", [
    (15, 15.0), (15.5, 15.5), ("15", 15.0), (" 15.5 ", 15.5), ("0,5", 0.5), ("1,500", 1500.0),
    ("−2", -2.0), ("１５", 15.0), ("1 500", 1500.0),
])
def test_number_forms(typed, expected):
    assert normalise(typed, "number") == expected


def test_percent_sign_is_accepted_only_where_the_question_says():
    assert normalise("86.8%", "number", percent=True) == 86.8
    assert normalise("86.8 %", "number", percent=True) == 86.8
    with pytest.raises(AnswerFormatError, match="percentage"):
        normalise("86.8%", "number", percent=False)


def test_unit_word_is_accepted_where_the_question_names_it():
    assert normalise("2 points", "number", unit="points") == 2.0
    with pytest.raises(AnswerFormatError):
        normalise("2 points", "number")


@pytest.mark.parametrize("typed", ["", "abc", None, True, float("nan"), "inf", [1], ...])
def test_number_rejects(typed):
    with pytest.raises(AnswerFormatError):
        normalise(typed, "number", question="4.1")


@pytest.mark.parametrize("typed", ["CABD", "C, A, B, D", "c-a-b-d", "C > A > B > D", ["C", "A", "B", "D"]])
def test_order_keeps_the_order(typed):
    assert normalise(typed, "order", options="ABCD") == "CABD"


@pytest.mark.parametrize("typed, fragment", [("CAB", "missing"), ("CABBD", "more than once"),
                                             ({"A", "B", "C", "D"}, "no order"), ("CABE", "not one")])
def test_order_rejects(typed, fragment):
    with pytest.raises(AnswerFormatError, match=fragment):
        normalise(typed, "order", options="ABCD")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown question kind"):
        normalise("A", "essay")


def test_mark_answer_passes_right_and_fails_wrong_without_revealing_the_key():
    mark_answer("1.1", " b ", "choice", options="ABCD", key="B")
    with pytest.raises(WrongAnswer) as wrong:
        mark_answer("1.1", "C", "choice", options="ABCD", key="B")
    assert "B" not in str(wrong.value).replace("Question 1.1", "")


def test_mark_answer_number_tolerance():
    mark_answer("4.1", "15.3", "number", key=15.1, tolerance=0.5)
    with pytest.raises(WrongAnswer):
        mark_answer("4.1", 16, "number", key=15.1, tolerance=0.5)


def test_mark_answer_rejects_bad_form_before_comparing():
    with pytest.raises(AnswerFormatError):
        mark_answer("1.1", ["B"], "choice", options="ABCD", key="B")


def test_check_answer_prints_confirmation_returns_nothing_and_never_the_key(capsys):
    assert check_answer("1.4", "c, a", "multi", options="ABCD") is None
    out = capsys.readouterr().out
    assert "Question 1.4: answer recorded as A, C" in out


def test_format_messages_never_depend_on_the_key():
    """The visible check has no key, so two quizzes with different keys say the same thing."""
    messages = set()
    for typed in ["E", "", None]:
        with pytest.raises(AnswerFormatError) as problem:
            check_answer("1.1", typed, "choice", options="ABCD")
        messages.add(str(problem.value))
    assert all("answer_1_1" in m for m in messages)


def test_is_correct():
    assert is_correct("a, c", "multi", "AC", options="ABCD")
    assert not is_correct("a", "multi", "AC", options="ABCD")
    assert not is_correct("Z", "choice", "A", options="ABCD")
    assert is_correct("yes", "truefalse", True)
