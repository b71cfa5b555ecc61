"""Section 5: the data files, the scenario trees, the sequencer, the scenario player and the fainting plot."""

import ast
import copy
import html
import json
import re

import pytest

from tests.support.course import ROOT, cell_text, read_nb
from dncourse.answers import AnswerFormatError, is_correct, normalise
from dncourse.sections.s05_safe_practice.fainting import fainting_alt_text, fainting_rows, plot_fainting_by_visit
from dncourse.ui.figures import FIGURE_MIME, figure_output
from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.instructor.quizspec import read_questions
from dncourse.sections.s05_safe_practice.scenarios import (POLICY_NOTES, ScenarioPlayer, check_scenario, feedback_text,
                                load_scenarios, scenario_paths)
from dncourse.sections.s05_safe_practice.sequencer import SessionSequencer, check_positions, misplaced_steps

LESSON = ROOT / "notebooks" / "05-safe-practice.ipynb"
QUIZ = ROOT / "source" / "s05-safe-practice" / "s05-safe-practice.ipynb"
RIGHT_ORDER = ["wash_first", "position", "wash_again", "insert", "count_in", "withdraw", "sharps", "count_out",
               "record_advise"]
SCENARIO_IDS = ["first_visit_faint", "collapse_bls", "ptx_in_clinic", "late_breathless", "broken_needle",
                "needlestick", "needle_count"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# --- the loader ---------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["session_steps", "fainting_rates", "adverse_scenarios"])
def test_section_5_tables_load(table):
    assert load(table)


from tests.support.course import csv_with_line as _csv_with  # noqa: E402


@pytest.mark.parametrize("line, message", [
    ("x1,first,A step to take first,A reason long enough to read,who1999,verified",
     "line 2, field 'position': 'first' is not a whole number"),
    ("x2,0,A step to take first,A reason long enough to read,who1999,verified",
     "line 2 (id 'x2'), field 'position': 0 is less than the minimum of 1"),
    ("x3,1,A step to take first,A reason long enough to read,who1999;nobody2020,verified",
     "line 2 (id 'x3'), field 'refs': citation 'nobody2020' is not in references.csv"),
    ("x4,1,A step to take first,A reason long enough to read,who1999,probably",
     "line 2 (id 'x4'), field 'verification': 'probably' is not one of"),
    ("x5,1,A step to take first,,who1999,verified", "line 2 (id 'x5'): 'reason' is a required property"),
    ("x6,1,A step to take first,A reason long enough to read,,verified", "line 2 (id 'x6'): 'refs' is a required property"),
    ("insert,1,A step to take first,A reason long enough to read,who1999,verified", "'insert' is used twice"),
])
def test_loader_rejects_a_bad_session_step(tmp_path, line, message):
    with pytest.raises(DataError) as problem:
        load_file(_csv_with(tmp_path, "session_steps", line), DATA_DIR / "session_steps.schema.json",
                  reference_keys(), schema_check=True)
    assert message in str(problem.value)


@pytest.mark.parametrize("line, message", [
    ("x1,Chen et al. 1990,Group,-1,100,0.5,chen1990,verified,", "line 2 (id 'x1'), field 'events': -1 is less than"),
    ("x2,Chen et al. 1990,Group,1,0,0.5,chen1990,verified,", "line 2 (id 'x2'), field 'visits': 0 is less than"),
    ("x3,Chen et al. 1990,Group,1,100,lots,chen1990,verified,", "line 2, field 'rate_percent': 'lots' is not a number"),
    ("x4,Chen et al. 1990,Group,1,100,1.0,chen1991,verified,", "field 'ref': citation 'chen1991' is not in references.csv"),
    ("x5,Chen et al. 1990,Group,1,100,1.0,chen1990,guessed,", "line 2 (id 'x5'), field 'verification': 'guessed'"),
])
def test_loader_rejects_a_bad_fainting_row(tmp_path, line, message):
    with pytest.raises(DataError) as problem:
        load_file(_csv_with(tmp_path, "fainting_rates", line), DATA_DIR / "fainting_rates.schema.json",
                  reference_keys(), schema_check=True)
    assert message in str(problem.value)


def _scenarios():
    return json.loads((DATA_DIR / "adverse_scenarios.json").read_text(encoding="utf-8"))


def _load_changed(tmp_path, change):
    rows = _scenarios()
    change(rows)
    path = tmp_path / "adverse_scenarios.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    return load_file(path, DATA_DIR / "adverse_scenarios.schema.json", reference_keys(), schema_check=True)


def _row(rows, scenario_id):
    return next(r for r in rows if r["id"] == scenario_id)


def _row_number(scenario_id):
    return [s["id"] for s in _scenarios()].index(scenario_id) + 1


def _drop_feedback(rows):
    del _row(rows, "first_visit_faint")["nodes"][0]["choices"][1]["feedback"]


def _end_with_choices(rows):
    row = _row(rows, "late_breathless")
    end = next(n for n in row["nodes"] if n.get("end"))
    end["choices"] = copy.deepcopy(row["nodes"][0]["choices"])


def _bad_verification(rows):
    _row(rows, "broken_needle")["nodes"][0]["choices"][0]["verification"] = "probably"


def _verified_without_refs(rows):
    _row(rows, "needlestick")["nodes"][0]["choices"][0]["refs"] = []


def _one_choice_only(rows):
    row = _row(rows, "first_visit_faint")
    row["nodes"][0]["choices"] = row["nodes"][0]["choices"][:1]


@pytest.mark.parametrize("change, message", [
    (_drop_feedback, f"row {_row_number('first_visit_faint')} (id 'first_visit_faint'): 'feedback' is a required property"),
    (_end_with_choices, f"row {_row_number('late_breathless')} (id 'late_breathless'), field 'nodes."),
    (_bad_verification, f"row {_row_number('broken_needle')} (id 'broken_needle'), field 'nodes.0.choices.0.verification'"),
    (_verified_without_refs,
     f"row {_row_number('needlestick')} (id 'needlestick'), field 'nodes.0.choices.0.refs': [] should be non-empty"),
    (_one_choice_only, f"row {_row_number('first_visit_faint')} (id 'first_visit_faint'), field 'nodes.0.choices'"),
])
def test_schema_rejects_a_bad_scenario(tmp_path, change, message):
    with pytest.raises(DataError) as problem:
        _load_changed(tmp_path, change)
    assert message in str(problem.value)


def test_a_local_policy_step_may_have_no_citation(tmp_path):
    def change(rows):
        choice = _row(rows, "needlestick")["nodes"][0]["choices"][0]
        choice["refs"], choice["verification"] = [], "local policy"
    assert _load_changed(tmp_path, change)


# --- the scenario trees -------------------------------------------------------------------

def test_required_scenarios_are_there():
    scenarios = {s["id"]: s for s in load_scenarios()}
    assert list(scenarios) == SCENARIO_IDS
    assert "left" in scenarios["late_breathless"]["setting"] or "phones" in scenarios["late_breathless"]["setting"]


@pytest.mark.parametrize("scenario", _scenarios(), ids=lambda s: s["id"])
def test_every_path_reaches_an_end(scenario):
    check_scenario(scenario, reference_keys())
    nodes = {n["id"]: n for n in scenario["nodes"]}
    paths = scenario_paths(scenario)
    assert paths
    visited = {scenario["start"]}
    for path in paths:
        last_node, last_choice = path[-1]
        assert nodes[nodes[last_node]["choices"][last_choice]["next"]].get("end")
        assert len({node for node, _ in path}) == len(path)  # no node twice on a path
        visited.update(nodes[node]["choices"][i]["next"] for node, i in path)
    assert visited == set(nodes)  # every node is on some path


def _broken(scenario_id, change):
    scenario = copy.deepcopy(next(s for s in _scenarios() if s["id"] == scenario_id))
    change(scenario)
    return scenario


def _dangling(s):
    s["nodes"][0]["choices"][1]["next"] = "nowhere"


def _cycle(s):
    s["nodes"][1]["choices"][0]["next"] = s["start"]


def _unreachable(s):
    s["nodes"].append({"id": "orphan", "text": "A step that nothing leads to.", "end": True})


def _two_best(s):
    for choice in s["nodes"][0]["choices"]:
        choice["best"] = True


def _no_best(s):
    for choice in s["nodes"][0]["choices"]:
        choice["best"] = False


def _unknown_ref(s):
    s["nodes"][0]["choices"][0]["refs"] = ["who1999", "nobody2020"]


def _bad_start(s):
    s["start"] = "missing"


def _twin_nodes(s):
    s["nodes"].append(copy.deepcopy(s["nodes"][0]))


@pytest.mark.parametrize("change, message", [
    (_dangling, "node 'stop', choice 2: next node 'nowhere' does not exist"),
    (_cycle, "the steps go round in a cycle (stop -> slump -> stop)"),
    (_unreachable, "node 'orphan' cannot be reached from the start"),
    (_two_best, "node 'stop': needs exactly one best choice, has 3"),
    (_no_best, "node 'stop': needs exactly one best choice, has 0"),
    (_unknown_ref, "node 'stop', choice 1, field 'refs': citation 'nobody2020' is not in references.csv"),
    (_bad_start, "start node 'missing' does not exist"),
    (_twin_nodes, "node id 'stop' is used twice"),
])
def test_check_scenario_rejects_a_broken_tree(change, message):
    with pytest.raises(DataError) as problem:
        check_scenario(_broken("first_visit_faint", change), reference_keys())
    assert "scenario 'first_visit_faint'" in str(problem.value)
    assert message in str(problem.value)


def test_feedback_adds_the_policy_note_unless_verified():
    scenarios = {s["id"]: s for s in load_scenarios()}
    drive = next(n for n in scenarios["late_breathless"]["nodes"] if n["id"] == "drive")
    assert drive["choices"][0]["verification"] == "local policy"
    text = feedback_text(drive["choices"][0])
    assert text.startswith("Best choice.") and POLICY_NOTES["local policy"] in text and "Sources" not in text
    wash = scenarios["needlestick"]["nodes"][0]
    text = feedback_text(wash["choices"][1])
    assert text.startswith("Not the best choice.") and "Cardiff and Vale University Health Board" in text
    assert "policy decides" not in text and "secondary source" not in text


def test_unconfirmed_steps_are_never_marked_verified():
    """Driving, incident reports and fragments below the skin are not confirmed by the fact sheet."""
    scenarios = {s["id"]: s for s in load_scenarios()}
    for scenario_id, node_id in [("late_breathless", "drive"), ("late_breathless", "report"),
                                 ("broken_needle", "below"), ("ptx_in_clinic", "transport"),
                                 ("ptx_in_clinic", "handover")]:
        node = next(n for n in scenarios[scenario_id]["nodes"] if n["id"] == node_id)
        assert {c["verification"] for c in node["choices"]} == {"local policy"}
    # the fainting first aid is secondary only
    faint = next(n for n in scenarios["first_visit_faint"]["nodes"] if n["id"] == "lie_down")
    assert {c["verification"] for c in faint["choices"]} == {"verified (secondary)"}


# --- the scenario player, driven without a browser ----------------------------------------

def _best_index(player):
    return next(i for i, c in enumerate(player.node["choices"]) if c["best"])


@pytest.mark.parametrize("scenario_id", SCENARIO_IDS)
def test_player_best_path_scores_full_marks(scenario_id):
    player = ScenarioPlayer()
    player.picker.value = scenario_id
    player.start_button.click()
    assert player.scenario["title"] in player.setting.value
    while not player.finished:
        assert player.next_button.disabled
        player.choice_buttons[_best_index(player)].click()
        assert "Best choice." in player.feedback.value and "&#10004;" in player.feedback.value
        assert all(button.disabled for button in player.choice_buttons)
        player.next_button.click()
    assert player.score == player.steps >= 2
    assert f"{player.steps} of {player.steps} steps answered with the best choice" in player.summary.value
    assert player.choice_box.children == ()
    assert player.results[scenario_id] == (player.steps, player.steps)


def test_player_wrong_choices_branch_and_lower_the_score():
    player = ScenarioPlayer()
    player.start("first_visit_faint")
    assert "What do you do first?" in player.question.value
    assert player.choose(1) is False  # "carry on gently"
    assert "Not the best choice." in player.feedback.value
    assert "Sources: WHO 1999" in player.feedback.value
    assert "secondary source" in player.feedback.value  # the local-policy note for secondary steps
    player.next()
    assert player.node_id == "slump" and "slumps forward" in player.question.value
    while not player.finished:
        player.choose(len(player.node["choices"]) - 1)  # always the last option
        player.next()
    assert player.steps == 6 and player.score == 0  # the wrong branch adds a step
    assert "0 of 6 steps" in player.summary.value
    assert "Over 1 of 7 scenarios finished: 0 of 6 best choices." in player.summary.value


def test_player_refuses_a_second_answer_and_ignores_continue_before_a_choice():
    player = ScenarioPlayer()
    player.start("needlestick")
    player.next()  # nothing chosen yet: stays put
    assert player.node_id == "wash" and player.steps == 0
    player.choose(0)
    with pytest.raises(ValueError, match="already answered"):
        player.choose(1)
    player.start("needlestick")
    with pytest.raises(ValueError, match="choose a number from 0 to 3"):
        player.choose(7)
    with pytest.raises(ValueError, match="no scenario 'x'"):
        player.start("x")


def test_player_shows_local_policy_note_and_no_sources_for_unconfirmed_steps():
    player = ScenarioPlayer()
    player.start("late_breathless")
    for _ in range(2):  # call -> drive (best path)
        if player.node_id == "drive":
            break
        player.choose(_best_index(player))
        player.next()
    assert player.node_id == "drive"
    player.choose(0)
    assert html.escape(POLICY_NOTES["local policy"]) in player.feedback.value
    assert "Sources:" not in player.feedback.value


def test_player_overall_score_adds_up_over_scenarios():
    player = ScenarioPlayer()
    for scenario_id, pick_best in [("needle_count", True), ("broken_needle", False)]:
        player.start(scenario_id)
        while not player.finished:
            best = _best_index(player)
            player.choose(best if pick_best else (best + 1) % len(player.node["choices"]))
            player.next()
    assert player.results["needle_count"] == (2, 2)
    assert player.results["broken_needle"] == (0, 4)
    assert "Over 2 of 7 scenarios finished: 2 of 6 best choices." in player.overall_text()


def test_player_reuses_its_choice_rows_from_step_to_step():
    player = ScenarioPlayer()
    before = _live_widgets()
    seen_rows = set()
    for scenario in player.scenarios:
        player.start(scenario["id"])
        while not player.finished:
            rows = player.choice_box.children
            seen_rows.update(id(row) for row in rows)
            choices = player.node["choices"]
            assert len(rows) == len(choices)
            for index, (row, choice) in enumerate(zip(rows, choices)):
                button, text = row.children
                assert button is player.choice_buttons[index] and button.description == f"Choose {'ABCD'[index]}"
                assert not button.disabled and button.button_style == ""   # reset after the last step's answer
                assert html.escape(choice["label"]) in text.value and button.tooltip.endswith(choice["label"])
            best = _best_index(player)
            player.choice_buttons[best].click()
            assert player.choice_buttons[best].button_style == "success"
            player.next_button.click()
    most = max(len(node.get("choices", [])) for s in player.scenarios for node in s["nodes"])
    assert len(seen_rows) == most and _live_widgets() - before <= 3 * most


# --- the sequencer ------------------------------------------------------------------------

def test_sequencer_starts_shuffled_and_checks_a_right_order():
    seq = SessionSequencer()
    assert sorted(seq.order) == sorted(RIGHT_ORDER) and seq.order != RIGHT_ORDER
    assert len(seq.rows_box.children) == 9
    assert seq.up_buttons[0].disabled and seq.down_buttons[-1].disabled
    assert all(b.description == "Up" for b in seq.up_buttons)
    seq.set_order(RIGHT_ORDER)
    assert seq.check() == []
    assert "All 9 steps are in the right order" in seq.feedback.value


def test_sequencer_explains_each_misplaced_step():
    seq = SessionSequencer()
    order = RIGHT_ORDER[:]
    order[0], order[3] = order[3], order[0]  # needle in before washing hands
    seq.set_order(order)
    seq.check_button.click()
    assert "7 of 9" in seq.feedback.value
    wrong = seq.check()
    assert wrong == [("insert", 1, 4), ("wash_first", 4, 1)]
    steps = {s["id"]: s for s in load("session_steps")}
    text = seq.feedback.value
    assert "7 of 9 steps are in the right place" in text
    assert "is step 1 in your order, but belongs at step 4" in text
    assert steps["insert"]["reason"].split(".")[0] in text
    assert steps["wash_first"]["reason"].split(":")[0] in text
    assert "WHO 1999" in text  # the sources
    assert "count_in" not in text and steps["count_in"]["reason"] not in text  # right steps are not explained
    assert "&#10008;" in seq.rows_box.children[0].children[2].value


def test_sequencer_buttons_move_steps():
    seq = SessionSequencer()
    seq.set_order(RIGHT_ORDER)
    seq.down_buttons[0].click()
    assert seq.order[:2] == ["position", "wash_first"]
    seq.up_buttons[1].click()
    assert seq.order == RIGHT_ORDER
    seq.move("record_advise", 1)
    assert seq.order[0] == "record_advise" and seq.order[1:] == RIGHT_ORDER[:-1]
    assert "1.</b> Record the session" in seq.rows_box.children[0].children[2].value
    with pytest.raises(ValueError):
        seq.move("record_advise", 10)
    seq.shuffle_button.click()
    assert sorted(seq.order) == sorted(RIGHT_ORDER) and seq.feedback.value == ""


def _live_widgets() -> int:
    import ipywidgets

    return len(ipywidgets.widgets.widget._instances)


def test_sequencer_moves_reuse_the_rows_and_make_no_widgets():
    seq = SessionSequencer()
    rows, before = seq.rows_box.children, _live_widgets()
    seq.set_order(RIGHT_ORDER)
    for _ in range(5):
        seq.down_buttons[0].click()
        seq.up_buttons[1].click()
    seq.check_button.click()
    seq.shuffle_button.click()
    assert seq.rows_box.children == rows and _live_widgets() == before
    # each row shows the step now at its position, with buttons that move that step
    for index, step_id in enumerate(seq.order):
        assert f"{index + 1}.</b> " in rows[index].children[2].value
        assert seq.up_buttons[index].tooltip.endswith(seq._by_id[step_id]["step"])
    moved = seq.order[3]
    seq.up_buttons[3].click()
    assert seq.order[2] == moved
    assert [b.disabled for b in seq.up_buttons] == [True] + [False] * 8
    assert [b.disabled for b in seq.down_buttons] == [False] * 8 + [True]


def test_misplaced_steps_by_hand_and_position_check():
    steps = [{"id": "a", "position": 1}, {"id": "b", "position": 2}, {"id": "c", "position": 3}]
    assert misplaced_steps(["a", "b", "c"], steps) == []
    assert misplaced_steps(["c", "b", "a"], steps) == [("c", 1, 3), ("a", 3, 1)]
    with pytest.raises(ValueError):
        misplaced_steps(["a", "b"], steps)
    check_positions(steps)
    with pytest.raises(DataError, match="positions must be 1 to 3, each used once; found \\[1, 2, 2\\]"):
        check_positions([{"id": "a", "position": 1}, {"id": "b", "position": 2}, {"id": "c", "position": 2}])


def test_session_steps_follow_the_fact_sheet_order():
    steps = {s["position"]: s for s in load("session_steps")}
    assert [steps[i]["id"] for i in sorted(steps)] == RIGHT_ORDER
    assert "local policy" in steps[3]["reason"] or "policy" in steps[3]["reason"]
    assert steps[3]["verification"] == "local policy"  # skin preparation and gloves


# --- the fainting plot --------------------------------------------------------------------

def test_fainting_plot_draws_the_data_file():
    rows = fainting_rows()
    fig, ax = plot_fainting_by_visit()
    heights = [p.get_height() for p in ax.patches]
    assert heights == [rows["chen1990_first"]["rate_percent"], rows["chen1990_followup"]["rate_percent"]]
    assert heights == [0.94, 0.11]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["First visit", "Later visits"]
    assert ax.patches[0].get_hatch() != ax.patches[1].get_hatch()  # not colour alone
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [0.19, 0.19]
    texts = [t.get_text() for t in ax.texts]
    assert "0.94%\n(27 of 2,855 visits)" in texts and "0.11%\n(28 of 25,430 visits)" in texts
    assert "All visits: 0.19% (55 of 28,285)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "%" in ax.get_ylabel() and ax.get_title()


def test_fainting_plot_uses_given_rows():
    rows = copy.deepcopy(load("fainting_rates"))
    rows[0]["rate_percent"] = 2.0
    fig, ax = plot_fainting_by_visit(rows)
    assert ax.patches[0].get_height() == 2.0
    assert ax.get_ylim()[1] == pytest.approx(2.0 * 1.35)


def test_fainting_alt_text_and_display():
    alt = fainting_alt_text()
    for number in ["0.94%", "27 of 2,855", "0.11%", "28 of 25,430", "0.19%", "55 of 28,285", "Chen et al. 1990"]:
        assert number in alt
    fig, _ = plot_fainting_by_visit()
    data, metadata = figure_output(fig, alt=alt)
    assert metadata[FIGURE_MIME]["alt"] == alt and data[FIGURE_MIME].startswith("<?xml")


def test_fainting_rates_agree_with_their_counts():
    for row in load("fainting_rates"):
        assert 100 * row["events"] / row["visits"] == pytest.approx(row["rate_percent"], abs=0.01)
    rows = fainting_rows()
    assert rows["chen1990_first"]["events"] + rows["chen1990_followup"]["events"] == rows["chen1990_all"]["events"]
    assert rows["chen1990_first"]["visits"] + rows["chen1990_followup"]["visits"] == rows["chen1990_all"]["visits"]


# --- numbers against the fact sheet -------------------------------------------------------

def test_fainting_numbers_equal_the_fact_sheet(fact_sheet):
    rows = fainting_rows()
    for row in rows.values():
        line = (f"| Chen 1990 – {'first visit' if row['id'].endswith('first') else 'follow-up visits' if row['id'].endswith('followup') else 'all visits'}"
                f" | {row['events']} | {row['visits']:,} | {row['rate_percent']:.2f}% [{row['verification']}] |")
        assert line in fact_sheet, line
    assert "First visit 27/2,855 (0.94%) vs follow-up visits 28/25,430 (0.11%)" in fact_sheet
    assert "55 needle-fainting episodes in 52 patients over 28,285 procedures" in fact_sheet


def _numbers(text):
    """Numbers of two or more characters (and percentages) in ``text``, as written."""
    return {n for n in re.findall(r"\d[\d,.]*\d%?|\d%", text)}


def test_numbers_in_section_5_texts_are_in_the_fact_sheet(fact_sheet):
    texts = []
    for scenario in load_scenarios():
        for node in scenario["nodes"]:
            texts.append(node["text"])
            texts += [c["feedback"] for c in node.get("choices", [])]
    texts += [s["reason"] for s in load("session_steps")]
    texts += [p["explanation"] for p in load("practice") if p["id"].startswith("s05_")]
    lesson = read_nb(LESSON)
    texts += [cell_text(c) for c in lesson["cells"] if c["cell_type"] == "markdown"]
    sheet = fact_sheet.replace("–", "-")
    allowed = {"8.5"}  # 0.94 / 0.11, computed in the lesson and shown as such
    missing = sorted(n for text in texts for n in _numbers(text)
                     if n not in sheet and n.rstrip("%").replace(",", "") not in sheet.replace(",", "")
                     and n not in allowed and not re.fullmatch(r"5\.\d", n))  # lesson section numbers
    assert not missing, missing
    assert 0.94 / 0.11 == pytest.approx(8.5, abs=0.1)


def test_quiz_keys_match_the_data():
    questions = {q.number: q for q in read_questions(QUIZ)}
    assert len(questions) >= 8
    assert questions["5.8"].key == fainting_rows()["chen1990_first"]["rate_percent"]
    assert {q.kind for q in questions.values()} >= {"order", "choice", "multi", "truefalse", "number"}
    # Question 5.1's letters, mapped to the sequencer's steps, are in the data's order.
    letter_to_step = {"A": "count_out", "B": "insert", "C": "sharps", "D": "withdraw", "E": "count_in"}
    positions = {s["id"]: s["position"] for s in load("session_steps")}
    assert questions["5.1"].key == "".join(sorted(letter_to_step, key=lambda k: positions[letter_to_step[k]]))
    assert questions["5.3"].key is False and questions["5.4"].key is True
    nb = read_nb(QUIZ)
    manual = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q5_20_incident_report"]
    scheme = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "m5_20_incident_report"]
    assert manual and manual[0]["metadata"]["nbgrader"]["points"] == 3
    assert scheme and "BEGIN MARK SCHEME" in cell_text(scheme[0])
    title = cell_text(nb["cells"][0])
    total = sum(q.points for q in questions.values()) + 3
    assert f"**{len(questions) + 1} questions worth {total:g} points**" in title


@pytest.mark.parametrize("typed, expected", [("BEDCA", "BEDCA"), ("b, e, d, c, a", "BEDCA"),
                                             (["B", "E", "D", "C", "A"], "BEDCA"), ("B then E then D then C then A", "BEDCA")])
def test_the_ordering_answer_accepts_plain_forms(typed, expected):
    assert normalise(typed, "order", question="5.1", options="ABCDE") == expected
    assert is_correct(typed, "order", "BEDCA", options="ABCDE")


@pytest.mark.parametrize("typed, message", [("BEDC", "A is missing"), ("BEDCAA", "A appears more than once"),
                                            ("BEDCF", "F is not one of the options"), (12345, "needs letters")])
def test_the_ordering_answer_format_check(typed, message):
    with pytest.raises(AnswerFormatError, match=message):
        normalise(typed, "order", question="5.1", options="ABCDE")
    assert not is_correct("ABCDE", "order", "BEDCA", options="ABCDE")
    # the old key put the count after the sharps container: it is now wrong
    assert not is_correct("BEDAC", "order", "BEDCA", options="ABCDE")


# --- the lesson ---------------------------------------------------------------------------

def _lesson_calls(name):
    calls = []
    for cell in read_nb(LESSON)["cells"]:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse(cell_text(cell))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                calls.append([ast.literal_eval(a) for a in node.args])
    return calls


def test_lesson_uses_every_section_5_practice_check():
    used = {args[0] for args in _lesson_calls("practice")}
    defined = {p["id"] for p in load("practice") if p["id"].startswith("s05_")}
    assert used == defined and len(defined) >= 6


def test_lesson_reference_list_covers_every_source_it_uses():
    listed = set(_lesson_calls("show_references")[0][0])
    used = set()
    for scenario in load_scenarios():
        for node in scenario["nodes"]:
            used.update(node.get("refs", []))
            for choice in node.get("choices", []):
                used.update(choice["refs"])
    for step in load("session_steps"):
        used.update(step["refs"])
    used.update(row["ref"] for row in load("fainting_rates"))
    for item in load("practice"):
        if item["id"].startswith("s05_"):
            used.update(item["refs"])
    assert used <= listed, sorted(used - listed)
    assert listed <= reference_keys()


def test_lesson_structure():
    cells = read_nb(LESSON)["cells"]
    headings = [line for c in cells if c["cell_type"] == "markdown"
                for line in cell_text(c).splitlines() if line.startswith("#")]
    assert sum(h.startswith("# ") for h in headings) == 1
    numbered = [h for h in headings if re.match(r"## 5\.\d ", h)]
    assert [h.split()[1] for h in numbered] == [f"5.{i}" for i in range(1, len(numbered) + 1)]
    text = "\n".join(cell_text(c) for c in cells if c["cell_type"] == "markdown")
    for needed in ["**Time:**", "What the figure shows:", "## Key points", "## References", "## Next: the quiz",
                   "local first-aid and emergency policy decides"]:
        assert needed in text


# --- emergencies, staff safety and the fact sheet (issue 19) ------------------------------

def _scenario(scenario_id):
    return next(s for s in load_scenarios() if s["id"] == scenario_id)


def _node(scenario_id, node_id):
    return next(n for n in _scenario(scenario_id)["nodes"] if n["id"] == node_id)


def _best(node):
    return next(c for c in node["choices"] if c["best"])


def _best_path(scenario_id):
    """The node ids met when every step is answered with its best choice, ending at the end node."""
    nodes = {n["id"]: n for n in _scenario(scenario_id)["nodes"]}
    path, node = [], nodes[_scenario(scenario_id)["start"]]
    while not node.get("end"):
        path.append(node["id"])
        node = nodes[_best(node)["next"]]
    return path + [node["id"]]


def test_collapse_scenario_reaches_basic_life_support():
    assert _best_path("collapse_bls") == ["check", "arrest", "cpr", "after", "end"]
    arrest = _node("collapse_bls", "arrest")
    assert "not breathing normally" in arrest["text"]
    best = _best(arrest)
    for needed in ["emergency services", "chest compressions", "AED"]:
        assert needed in best["label"]
    assert best["refs"] == ["rcuk2021"] and best["verification"] == "verified"
    recovery = next(c for c in arrest["choices"] if "recovery position" in c["label"])
    assert not recovery["best"] and "only for someone whose consciousness is reduced" in recovery["feedback"]
    # every way through the scenario passes the cardiac-arrest step
    assert all(any(node == "arrest" for node, _ in path) for path in scenario_paths(_scenario("collapse_bls")))
    assert _best(_node("collapse_bls", "after"))["refs"] == ["physio_alberta_cem"]


def test_fainting_scenario_calls_for_help_at_two_minutes_and_points_to_bls():
    assert _best_path("first_visit_faint") == ["stop", "lie_down", "pcm", "not_recovering", "next_visit", "end"]
    node = _node("first_visit_faint", "not_recovering")
    assert "Two minutes later" in node["text"]
    best = _best(node)
    assert "1 to 2 minutes" in best["feedback"] and "cardiac arrest" in best["feedback"]
    assert {"charlton2019", "rcuk2021"} <= set(best["refs"])
    assert "Collapse: basic life support" in best["feedback"]  # the scenario it names exists
    assert _scenario("collapse_bls")["title"] == "Collapse: basic life support"
    pcm = _best(_node("first_visit_faint", "pcm"))
    assert "cross her legs and tense" in pcm["label"] and "heart attack or stroke" in pcm["feedback"]


def test_pneumothorax_in_the_clinic_from_first_symptom_to_handover():
    assert _best_path("ptx_in_clinic") == ["first", "sats", "hospital", "transport", "handover", "report", "end"]
    sats = _node("ptx_in_clinic", "sats")
    assert "98%" in sats["text"]
    assert "Not enough to rule out" in _best(sats)["label"]
    assert not next(c for c in sats["choices"] if "rules it out" in c["label"])["best"]
    hospital = _best(_node("ptx_in_clinic", "hospital"))
    assert "hospital able to treat a pneumothorax" in hospital["label"] and "hampton2014" in hospital["refs"]
    wait = next(c for c in _node("ptx_in_clinic", "hospital")["choices"] if "Only if she gets worse" in c["label"])
    assert not wait["best"]
    assert _best(_node("ptx_in_clinic", "report"))["refs"] == ["physio_alberta_cem"]


def test_phone_call_variant_sends_the_patient_to_urgent_care_not_rest():
    call = _node("late_breathless", "call")
    assert "thng2022" in _best(call)["refs"] and "urgent medical help now" in _best(call)["label"]
    rest = next(c for c in call["choices"] if c["label"].lower().count("rest"))
    assert not rest["best"] and "thng2022" in rest["refs"]
    assert not _best(_node("late_breathless", "worse"))["label"].lower().startswith("lie down")


def test_needlestick_scenario_teaches_the_nhs_order_pep_and_hepatitis_b():
    wash = _best(_node("needlestick", "wash"))
    label = wash["label"].lower()
    assert label.index("squeez") < label.index("wash") < label.index("cover")
    assert "without scrubbing" in label and "alcohol" not in label
    assert {"cavuhb_sharps", "nhs_ggc_needlestick"} <= set(wash["refs"])
    wrong = [c["label"].lower() for c in _node("needlestick", "wash")["choices"] if not c["best"]]
    assert any("suck" in w for w in wrong) and any("bleach" in w for w in wrong)
    report = _best(_node("needlestick", "report"))
    assert "at once" in report["label"] and "within 2 hours" in report["feedback"]
    assert "72 hours" in report["feedback"] and "outside work" in report["feedback"]  # the CDC guideline is nPEP
    assert "hepatitis B vaccine" in _best(_node("needlestick", "vaccines"))["label"]


def test_the_sequencer_counts_each_needle_before_the_sharps_container():
    steps = {s["id"]: s for s in load("session_steps")}
    assert steps["withdraw"]["position"] < steps["sharps"]["position"] < steps["count_out"]["position"]
    assert "count the needle as it comes out" in steps["withdraw"]["step"]
    assert "counted" in steps["sharps"]["step"]


# Each claim the section makes from Part II, with the fact sheet's words it rests on.
FACTS = [
    ("N24", "A patient's initial presentation does not predict future outcome.", "hampton2014"),
    ("N25", "We recommend that patients receiving acupuncture around the chest wall must be adequately informed", "tagami2013"),
    ("N26", "SpO₂ 98%", "huisma2015"),
    ("N26", "SpO₂ 100% (Sia 2018)", "sia2018"),
    ("N26", "Clinical examination in all of these patients was unremarkable, as were their vital signs.", "ghent_series"),
    ("N27", "but they were not advised to seek urgent medical attention", "thng2022"),
    ("N29", "If no improvement occurs within 1 to 2 minutes, or if symptoms worsen or reoccur", "charlton2019"),
    ("N30", "Leg crossing with tensing of the leg, abdominal, and buttock muscles", "aha2024_pcm"),
    ("N31", "A physiological reaction that is an AE secondary to a needle insertion, pain or fear", "halle2016"),
    ("N32", "Recognise cardiac arrest has occurred in any unresponsive person with absent or abnormal breathing.",
     "rcuk2021"),
    ("N33", "must ensure plans are in place to manage any critical or unexpected events", "physio_alberta_cem"),
    ("N34", "Encourage local bleeding by gently squeezing, do not suck area.", "cavuhb_sharps"),
    ("N34", "Wash the affected area with soap and warm water DO NOT SCRUB THE AREA", "nhs_ggc_needlestick"),
    ("N35", "within an hour of the injury", "nhs_lead_employer"),
    ("N36", "ideally within 2 hours", "zingman2013"),
    ("N37", "and ideally within 24 hours, but no later than 72 hours after exposure", "tanner2025"),
    ("N38", "clinicians should consider occupational exposures as urgent medical concerns", "kuhar2013"),
    ("N39", "Institutions should ensure that HCP have rapid access to postexposure testing and prophylaxis", "schillie2013"),
    ("N40", "to be vaccinated with a complete, ≥3-dose HBV vaccine series.", "acip_hepb"),
]


@pytest.mark.parametrize("fact, quote, key", FACTS, ids=[f"{f}-{k}" for f, _, k in FACTS])
def test_each_new_source_rests_on_a_fact_sheet_quote(fact_sheet, fact, quote, key):
    assert f"**[{fact}]**" in fact_sheet
    block = fact_sheet[fact_sheet.index(f"**[{fact}]**"):]
    block = block[:block.index("\n- **[", 10)] if "\n- **[" in block[10:] else block
    assert quote in block, f"{fact}: {quote!r} is not in the fact sheet's text for {fact}"
    assert key in reference_keys()


def _section_5_texts():
    texts = []
    for scenario in load_scenarios():
        for node in scenario["nodes"]:
            texts.append(node["text"])
            for choice in node.get("choices", []):
                texts += [choice["label"], choice["feedback"]]
    texts += [s["step"] + " " + s["reason"] for s in load("session_steps")]
    texts += [" ".join([p["question"], *p["options"], p["explanation"]]) for p in load("practice")
              if p["id"].startswith("s05_")]
    texts += [cell_text(c) for c in read_nb(LESSON)["cells"] if c["cell_type"] == "markdown"]
    texts += [cell_text(c) for c in read_nb(QUIZ)["cells"]]
    return texts


def test_the_numbers_of_part_ii_are_the_fact_sheets(fact_sheet):
    text = "\n".join(_section_5_texts())
    sheet = fact_sheet.replace("–", " to ")
    for number in ["1 to 2 minutes", "within 2 hours", "24 hours", "72 hours", "98%", "100%", "8 hours",
                   "1 to 2 months"]:
        assert number in text, number
        assert number in sheet, number
    assert "≥3-dose" in fact_sheet and "at least 3 doses" in text


def test_what_the_sheet_leaves_unverified_is_never_taught_as_fact(fact_sheet):
    """C2, C3, C4 and Appendix C: no upper time limit, no RCUK compression figures, no alcohol as the NHS step,
    and driving, keeping upright and the observation period left to local policy."""
    assert "RCUK 2021 compression depth/rate wording" in fact_sheet and "Specific **observation periods**" in fact_sheet
    text = "\n".join(_section_5_texts())
    for forbidden in ["5-6 cm", "5–6 cm", "100-120", "100–120", "30:2", "hours to days", "up to 2 days",
                      "keep the patient upright", "keep them upright", "warm water and soap, then disinfect"]:
        assert forbidden not in text, forbidden
    lesson = "\n".join(cell_text(c) for c in read_nb(LESSON)["cells"] if c["cell_type"] == "markdown")
    assert "not a limit" in lesson and "no safe cut-off" in lesson
    assert "your local policy decides** any observation period" in lesson
    assert "not letting the patient drive themselves, are set by your clinic's emergency policy" in lesson
    assert "not checked for this course" in lesson  # UK PEP timing and the Green Book


def test_lesson_objectives_cover_the_new_parts():
    first = cell_text(read_nb(LESSON)["cells"][0])
    objectives = re.findall(r"^(\d)\. (.+)$", first, re.M)
    assert [n for n, _ in objectives] == [str(i) for i in range(1, 9)]
    text = dict(objectives)
    assert "basic life support" in text["6"] and "AED" in text["6"]
    assert "pneumothorax" in text["7"] and "phones" in text["7"] and "oxygen" in text["7"]
    assert "needlestick" in text["8"] and "hepatitis B" in text["8"]
    assert "critical-event plan" in text["5"]
    assert "**Time:** about 50 minutes for the lesson" in first


QUIZ_KEYS = {"5.1": "BEDCA", "5.7": "B", "5.11": "C", "5.12": "D", "5.13": False, "5.14": "ABD", "5.15": "AB",
             "5.16": "D", "5.17": "A", "5.18": "A", "5.19": "ABC"}
WRONG = {"5.1": "BCEDA", "5.7": "A", "5.11": "A", "5.12": "A", "5.13": True, "5.14": "ABCD", "5.15": "ABC",
         "5.16": "B", "5.17": "B", "5.18": "B", "5.19": "ABCD"}


@pytest.mark.parametrize("number", sorted(QUIZ_KEYS))
def test_new_and_changed_quiz_keys(number):
    question = {q.number: q for q in read_questions(QUIZ)}[number]
    assert question.normalised_key() == QUIZ_KEYS[number]
    spec = dict(question.spec)
    assert is_correct(QUIZ_KEYS[number], question.kind, question.key, **spec)
    assert not is_correct(WRONG[number], question.kind, question.key, **spec)


def test_quiz_option_texts_match_the_lesson():
    cells = {q.number: q for q in read_questions(QUIZ)}
    nb = read_nb(QUIZ)
    heading = {re.match(r"## Question (\d\.\d+)", cell_text(c)).group(1): cell_text(c) for c in nb["cells"]
               if cell_text(c).startswith("## Question")}
    assert "**D.** Withdraw the needle and count it as it comes out." in heading["5.1"]
    assert "**C.** Put the needle straight into the sharps container" in heading["5.1"]
    assert "**B.** Encourage it to bleed by squeezing gently" in heading["5.7"] and cells["5.7"].key == "B"
    assert "**D.** A patient with a suspected pneumothorax: do not let him drive" in heading["5.16"]
    assert "(3 points, marked by your instructor)" in heading["5.20"]


def test_lesson_runs_headless_with_every_scenario():
    from dncourse.runner import run_notebook

    nb = run_notebook(LESSON)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"cell {index} wrote to stderr"
    player_cell = next(c for c in nb.cells if c.cell_type == "code" and "ScenarioPlayer()" in c.source)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in player_cell.outputs)
    refs_cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("show_references"))
    shown = "".join(o.get("data", {}).get("text/markdown", "") for o in refs_cell.outputs)
    for citation in ["Adult basic life support guidelines", "Dry Needling Critical Event Management Guideline",
                     "Sharps injury advice", "Acupuncture-related pneumothorax"]:
        assert citation in shown
