"""Section 1: the data files, the loader, the timeline and the two widgets."""

import json
import re
import shutil

import pytest

from tests.support.course import csv_with_line
from dncourse.content import loader
from dncourse.ui.figures import FIGURE_MIME, PALETTE, course_style, figure_output, figure_svg, show_figure
from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from dncourse.sections.s01_what_is_dry_needling.myths import CHOICES, MythOrFact
from dncourse.ui.practice import PracticeCheck, practice
from dncourse.content.references import cite, reference_list
from dncourse.sections.s01_what_is_dry_needling.timeline import plot_timeline, timeline_alt_text


# --- the loader ---------------------------------------------------------------------------

@pytest.mark.parametrize("table", ["references", "practice", "timeline", "myths", "sections"])
def test_section_1_tables_load(table):
    assert load(table)


def _bad_timeline(tmp_path, line):
    return csv_with_line(tmp_path, "timeline", line)


@pytest.mark.parametrize("line, message", [
    ("x1,l979,Label,An event that happened,legge2014,verified", "line 2, field 'year': 'l979' is not a whole number"),
    ("x2,1850,Label,An event that happened,legge2014,verified", "line 2 (id 'x2'), field 'year': 1850 is less than"),
    ("x3,1990,Label,An event that happened,nobody2020,verified", "field 'ref': citation 'nobody2020' is not in references.csv"),
    ("x4,1990,Label,An event that happened,legge2014,probably", "field 'verification': 'probably' is not one of"),
    ("x5,1990,Label,,legge2014,verified", "line 2 (id 'x5'): 'event' is a required property"),
    ("needling_1941,1990,Label,An event that happened,legge2014,verified", "'needling_1941' is used twice"),
    ("x6,1990,Label,An event,legge2014,verified,extra", "more cells than the header"),
])
def test_loader_rejects_a_bad_row_naming_row_and_field(tmp_path, line, message):
    with pytest.raises(DataError) as problem:
        load_file(_bad_timeline(tmp_path, line), DATA_DIR / "timeline.schema.json", reference_keys(), schema_check=True)
    assert message in str(problem.value)


def test_loader_names_unknown_tables_and_missing_columns(tmp_path):
    with pytest.raises(DataError, match="no data table called 'nothing'"):
        load("nothing")
    path = tmp_path / "timeline.csv"
    path.write_text("id,year\nx,1990\n", encoding="utf-8")
    with pytest.raises(DataError, match="the header has no column label"):
        load_file(path, DATA_DIR / "timeline.schema.json", reference_keys(), schema_check=True)


def test_json_tables_are_validated_too(tmp_path):
    rows = json.loads((DATA_DIR / "myths.json").read_text(encoding="utf-8"))
    rows[2]["accept"] = ["certainly"]
    path = tmp_path / "myths.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3 \(id 'no_drugs'\), field 'accept.0'"):
        load_file(path, DATA_DIR / "myths.schema.json", reference_keys(), schema_check=True)


def test_a_split_table_rejects_an_id_defined_in_two_parts(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    shutil.copy(data / "references" / "s01.csv", data / "references" / "s99.csv")
    monkeypatch.setattr(loader, "DATA_DIR", data)
    loader._load_cached.cache_clear()
    try:
        with pytest.raises(DataError, match="already used in references/s01.csv"):
            load("references")
    finally:
        loader._load_cached.cache_clear()


def test_load_returns_a_fresh_copy():
    first = load("timeline")
    first[0]["year"] = 0
    assert load("timeline")[0]["year"] != 0
    nested = load("practice")                       # nested lists and dicts are copies too
    options = next(item for item in nested if isinstance(item.get("options"), list))
    options["options"].append("changed")
    options["options"][0] = {"changed": True}
    again = next(item for item in load("practice") if item["id"] == options["id"])
    assert "changed" not in again["options"] and again["options"][0] != {"changed": True}


def test_the_copy_of_other_values_is_deep_too():
    import datetime

    odd = [{"when": datetime.date(2020, 1, 1), "seen": {1, 2}, "pair": (1, [2])}]
    copied = loader._fresh(odd)
    assert copied == odd and copied[0]["seen"] is not odd[0]["seen"] and copied[0]["pair"][1] is not odd[0]["pair"][1]


# --- the data agree with the fact sheet ---------------------------------------------------

def test_timeline_years_and_numbers_come_from_the_fact_sheet(fact_sheet):
    for event in load("timeline"):
        assert str(event["year"]) in fact_sheet, event["id"]
        for number in re.findall(r"\d+(?:\.\d+)?%?", event["event"]):
            assert number.rstrip("%") in fact_sheet, f"{event['id']}: {number}"


def test_myth_numbers_come_from_the_fact_sheet(fact_sheet):
    for myth in load("myths"):
        for number in re.findall(r"-?\d[\d,]*(?:\.\d+)?", myth["evidence"]):
            plain = number.replace("-", "").rstrip(",")
            assert plain in fact_sheet or plain.replace(",", "") in fact_sheet, f"{myth['id']}: {number}"


def test_every_claim_of_the_issue_is_checked():
    ids = {m["id"] for m in load("myths")}
    assert {"relatively_new", "non_invasive", "no_drugs", "fibromyalgia", "headache",
            "sports_performance", "faster_recovery", "tendons_ligaments", "injury_risk", "quality_of_life"} <= ids
    non_invasive = next(m for m in load("myths") if m["id"] == "non_invasive")
    assert non_invasive["accept"] == ["not supported"]


def test_references_cite_and_list():
    assert cite(["brady2014", "apta2012"]) == "Brady et al. 2014; APTA 2012"
    text = reference_list(["lewit1979", "brady2014"])
    assert "volume and pages not verified" in text and "doi:10.1179/2042618613Y.0000000044" in text
    with pytest.raises(DataError, match="unknown citation key"):
        cite("nobody")


# --- the timeline -------------------------------------------------------------------------

def test_timeline_plots_every_event_with_shape_not_only_colour():
    events = load("timeline")
    fig, ax = plot_timeline()
    points = [line for line in ax.lines if len(line.get_xdata()) == 1]
    assert sorted(int(p.get_xdata()[0]) for p in points) == sorted(e["year"] for e in events)
    markers = {p.get_marker() for p in points}
    assert markers == {"o", "s"}, "primary and secondary sources differ in shape"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["confirmed in the primary record", "seen only in a secondary source"]
    assert ax.get_xlabel() == "Year" and "1941" in ax.get_title()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Lewit" in texts and "1984" in texts


def test_timeline_alt_text_names_every_event():
    alt = timeline_alt_text()
    for event in load("timeline"):
        assert f"{event['year']}: {event['label']}" in alt


def test_show_figure_stores_alt_text_with_the_image(monkeypatch):
    import base64

    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    fig, _ = plot_timeline()
    assert show_figure(fig, alt="  A timeline\n of events ") is None  # a cell ending with it shows only the figure
    (data,), kwargs = shown[0]
    assert kwargs == {"raw": True, "metadata": {FIGURE_MIME: {"alt": "A timeline of events"}}}
    svg = data[FIGURE_MIME]
    assert data["text/plain"] == "A timeline of events" and svg.startswith("<?xml") and "</svg>" in svg
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    assert data["text/html"] == (f'<img src="data:image/svg+xml;base64,{encoded}" alt="A timeline of events" '
                                 'style="max-width:100%">')
    with pytest.raises(ValueError, match="alt text"):
        figure_output(fig, alt=" ")


def test_figures_keep_their_words_as_text_and_carry_no_date():
    import matplotlib.pyplot as plt

    fig, _ = plot_timeline()
    svg = figure_svg(fig)
    plt.close(fig)
    assert "<text" in svg and "<dc:date>" not in svg
    for event in load("timeline"):           # every label is selectable text, not outlines
        assert str(event["year"]) in svg
    assert svg == figure_svg(plot_timeline()[0])  # the same figure gives the same picture


def test_course_style_is_applied_only_when_asked():
    import matplotlib as mpl

    before = mpl.rcParams["axes.prop_cycle"]
    with course_style():
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][:2] == PALETTE[:2]
    assert mpl.rcParams["axes.prop_cycle"] == before


# --- the widgets --------------------------------------------------------------------------

def test_myth_widget_by_click_shows_verdict_evidence_and_sources():
    quiz = MythOrFact()
    assert f"Claim 1 of {len(load('myths'))}" in quiz.progress.value and "relatively new" in quiz.claim.value
    assert quiz.next_button.disabled
    quiz.buttons[list(CHOICES).index("not supported")].click()
    assert "Well judged" in quiz.feedback.value and "1941 and 1947" in quiz.feedback.value
    assert "Legge 2014" in quiz.feedback.value
    assert all(b.disabled for b in quiz.buttons) and not quiz.next_button.disabled
    quiz.next_button.click()
    assert "non-invasive" in quiz.claim.value and quiz.feedback.value == ""
    assert quiz.answer("supported") is False
    assert "invasive" in quiz.feedback.value and "APTA 2012" in quiz.feedback.value
    assert "score so far: 1 of 2" in quiz.progress.value


def test_myth_widget_counts_the_first_answer_and_finishes():
    quiz = MythOrFact()
    for claim in quiz.claims:
        quiz.answer(claim["accept"][0])
        quiz.next()
    assert quiz.score == len(quiz.claims)
    assert f"{len(quiz.claims)} of {len(quiz.claims)} matched" in quiz.feedback.value
    with pytest.raises(ValueError):
        quiz.answer("maybe")


def test_practice_check_feedback():
    check = practice("s01_dry_means")
    check.check_button.click()
    assert "Choose one of the options first" in check.feedback.value
    check.choose(0)
    check.check_button.click()
    assert "Not quite" in check.feedback.value and "Nothing is injected" in check.feedback.value
    check.choose(1)
    check.check_button.click()
    assert "Right" in check.feedback.value and "Dunning et al. 2014" in check.feedback.value
    assert check.choices.description == "Your answer:"


def test_practice_rejects_unknown_ids_and_bad_answer_index():
    with pytest.raises(DataError, match="no practice check called"):
        practice("s01_nothing")
    with pytest.raises(DataError, match="not the index of one of its options"):
        PracticeCheck({"id": "s01_x", "question": "q?", "options": ["a", "b"], "answer": 2,
                       "explanation": "because", "refs": []})


def test_importing_the_package_has_no_heavy_side_effects():
    import subprocess
    import sys

    code = "import sys, dncourse; print(sorted(m for m in ('matplotlib', 'ipywidgets', 'nbgrader', 'jsonschema') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
