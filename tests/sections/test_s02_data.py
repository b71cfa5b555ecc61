"""Section 2 data: the effect sizes, thresholds and benefit cards equal the fact sheet, and the loader rejects bad rows."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from dncourse.sections.s02_benefits_and_evidence.evidence import check_rows, evidence_rows, favours, over_time_rows
from dncourse.content.loader import DATA_DIR, DataError, load, load_file, reference_keys
from tests.support.course import ROOT, csv_with_rows_edited, read_nb

ROWS = range(1, 27)  # the fact sheet's table 2.2 has rows 1 to 26
DATA = {row["row"]: row for row in evidence_rows()}


def number(text: str) -> float:
    """A number as the fact sheet writes it ('−1.91', '+55.48', '0.03') as a float."""
    return float(text.strip().replace("\u2212", "-").replace("+", ""))


def section(sheet: str, start: str, end: str) -> str:
    """The part of the fact sheet from ``start`` up to ``end``."""
    return sheet[sheet.index(start):sheet.index(end)]


@pytest.fixture(scope="module")
def sheet_rows(fact_sheet) -> dict[int, list[str]]:
    """Rows of the fact sheet's table 2.2, by their # column, as lists of cells."""
    rows = {}
    for line in section(fact_sheet, "### 2.2 Forest-plot data table", "### 2.3").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            rows[int(cells[0])] = cells
    return rows


# --- the effect sizes equal the fact sheet ----------------------------------------------------

def test_the_sheet_table_was_read(sheet_rows):
    assert sorted(sheet_rows) == list(ROWS)


def test_every_sheet_row_is_in_the_data_exactly_once(sheet_rows):
    rows = [r["row"] for r in load("evidence")]
    assert sorted(rows) == sorted(sheet_rows)


@pytest.mark.parametrize("n", ROWS)
def test_row_equals_the_sheet(sheet_rows, n):
    _, review, population, comparison, time_point, outcome, effect, ci, k, rating = sheet_rows[n]
    row = DATA[n]
    if comparison == "same":  # the sheet repeats the row above
        comparison = sheet_rows[n - 1][3]
    assert (row["review"], row["population"], row["comparison"], row["time_point"], row["outcome"]) == \
        (review, population, comparison, time_point, outcome)
    measure, value = re.fullmatch(r"(SMD|MD) ([+\u2212]?\d+\.\d+)(?: kPa)?", effect).groups()
    assert row["measure"] == measure
    assert row["estimate"] == number(value)
    low, high = re.fullmatch(r"([\u2212]?\d+\.\d+) to ([\u2212]?\d+\.\d+)(?: \(NS\))?", ci).groups()
    assert (row["ci_low"], row["ci_high"]) == (number(low), number(high))
    assert row.get("trials_or_patients", "\u2013") == k
    assert row.get("evidence_rating", "\u2013") == rating.replace("**", "")


@pytest.mark.parametrize("n", ROWS)
def test_direction_gives_the_side_the_sheet_says(sheet_rows, n):
    """Negative favours DN, except rows labelled 'favours ...' (comparator) and the PPT row (positive)."""
    comparison, outcome, ci = sheet_rows[n][3], sheet_rows[n][5], sheet_rows[n][7]
    if "(NS)" in ci:
        expected = "neither"
    elif "(favours" in comparison:
        expected = "comparator"
    else:
        expected = "dn"
    assert favours(DATA[n]) == expected
    assert DATA[n]["direction"] == ("positive favours DN" if outcome == "PPT" else "negative favours DN")


def test_time_trajectory_equals_the_sheet_line(fact_sheet):
    line = next(l for l in fact_sheet.splitlines() if l.startswith("Time-trajectory subset"))
    found = re.findall(r"(\S+ (?:h|wk)) ([\u2212\d.]+) \[([\u2212\d.]+), ([\u2212\d.]+)\]", line)
    assert len(found) == 4
    rows = over_time_rows()
    assert [r["time_point"] for r in rows] == [f[0] for f in found]
    assert [(r["estimate"], r["ci_low"], r["ci_high"]) for r in rows] == \
        [(number(a), number(b), number(c)) for _, a, b, c in found]


def test_thresholds_equal_the_section_8_table(fact_sheet):
    table = section(fact_sheet, "| Threshold (for plotting reference lines)", "- **Outcome measures")
    sheet = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            sheet[cells[0]] = cells
    rows = {r["name"]: r for r in load("thresholds")}
    assert sorted(rows) == sorted(sheet)
    for name, (_, value, source) in sheet.items():
        row = rows[name]
        approx, amount, unit = re.fullmatch(r"(~?)([\d.]+) ?(points|%)", value).groups()
        assert row["value"] == float(amount)
        assert row["unit"] == ("percent" if unit == "%" else "points")
        assert row["approximate"] is (approx == "~")
        author = source.split()[0].lower()
        assert row["ref"].startswith(author), (row["ref"], source)


def _numbers(text: str) -> list[str]:
    """Decimals, percentages and whole numbers of 10 or more in ``text``."""
    return [m for m in re.findall(r"\d+(?:\.\d+)?%?", text)
            if "." in m or m.endswith("%") or int(m.rstrip("%")) >= 10]


# Worked examples in the lesson and practice checks: percentages computed from (before, after) scores.
COMPUTED = {"17%": (6, 5), "29%": (7, 5), "67%": (3, 1)}


def _in_sheet(sheet: str, value: str) -> bool:
    """Whether ``value`` is written in the fact sheet (its minus signs read as hyphens)."""
    return value in sheet.replace("\u2212", "-")


def _known(sheet: str, value: str) -> bool:
    """Whether ``value`` is in the fact sheet or is one of the worked examples computed from it."""
    return _in_sheet(sheet, value) or value in COMPUTED


def test_the_computed_examples_are_right():
    from dncourse.sections.s02_benefits_and_evidence.meaningful import pain_change

    for shown, (before, after) in COMPUTED.items():
        assert f"{pain_change(before, after)['percent']:.0f}%" == shown


@pytest.mark.parametrize("row", load("benefits"), ids=lambda r: r["id"])
def test_benefit_numbers_are_in_the_sheet_and_the_claim_is_quoted(fact_sheet, seed_article, row):
    text = " ".join(row[k] for k in ("what_found", "how_long", "comparator", "certainty", "verdict"))
    missing = [n for n in _numbers(text) if not _known(fact_sheet, n)]
    assert missing == []
    assert row["article_claim"] in seed_article


def test_practice_numbers_are_in_the_sheet(fact_sheet):
    items = json.loads((DATA_DIR / "practice" / "s02.json").read_text(encoding="utf-8"))
    text = " ".join(i["question"] + " " + " ".join(i["options"]) + " " + i["explanation"] for i in items)
    assert [n for n in _numbers(text) if not _known(fact_sheet, n)] == []


def test_lesson_numbers_are_in_the_sheet_or_computed_from_it(fact_sheet):
    nb = read_nb(ROOT / "notebooks" / "02-benefits-and-evidence.ipynb")
    text = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    text = re.sub(r"(?:Section|#+) \d+(?:\.\d+)?", " ", text)  # section numbers are not facts
    assert len(text) > 1000, "the lesson's text was not read"
    assert [n for n in _numbers(text) if not _known(fact_sheet, n)] == []


def test_a_number_not_in_the_sheet_is_caught(fact_sheet):
    assert not _in_sheet(fact_sheet, "2.37") and _in_sheet(fact_sheet, "2.31")


# --- the loader rejects malformed rows, naming the row and the field -------------------------

GOOD = (DATA_DIR / "evidence.csv").read_text(encoding="utf-8")
SCHEMA = DATA_DIR / "evidence.schema.json"


def _write(tmp_path: Path, edit) -> Path:
    """A copy of evidence.csv after ``edit(rows)``."""
    return csv_with_rows_edited(tmp_path, "evidence", edit, GOOD)


def test_the_good_file_loads_with_the_loader(tmp_path):
    path = tmp_path / "evidence.csv"
    shutil.copy(DATA_DIR / "evidence.csv", path)
    rows = load_file(path, SCHEMA, reference_keys(), schema_check=True)
    assert len(rows) == 26 and check_rows(rows) is rows


def _set(index, field, value):
    def edit(rows):
        rows[index][field] = value
    return edit


BAD_ROWS = [
    # (what is wrong, edit, line named, field named)
    ("estimate is not a number", _set(2, "estimate", "about one"), "line 4", "'estimate'"),
    ("unknown citation key", _set(0, "ref", "liu2051"), "line 2", "'ref'"),
    ("comparator type not in the list", _set(5, "comparator_type", "surgery"), "line 7", "'comparator_type'"),
    ("outcome not in the list", _set(1, "outcome", "Mood"), "line 3", "'outcome'"),
    ("0-10 pain row reported as SMD", _set(11, "measure", "SMD"), "line 13", "'measure'"),
    ("PPT row with the pain sign convention", _set(15, "direction", "negative favours DN"), "line 17", "'direction'"),
    ("pain row with the PPT sign convention", _set(3, "direction", "positive favours DN"), "line 5", "'direction'"),
    ("row number below 1", _set(4, "row", "0"), "line 6", "'row'"),
    ("bad verification tag", _set(6, "verification", "from memory"), "line 8", "'verification'"),
    ("id with spaces", _set(7, "id", "Sanchez 2021"), "line 9", "'id'"),
]


@pytest.mark.parametrize("what, edit, line, field", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_rejected_naming_row_and_field(tmp_path, what, edit, line, field):
    path = _write(tmp_path, edit)
    with pytest.raises(DataError) as error:
        load_file(path, SCHEMA, reference_keys(), schema_check=True)
    message = str(error.value)
    assert "evidence.csv" in message and line in message and field in message, message


def test_a_missing_required_cell_names_row_and_field(tmp_path):
    path = _write(tmp_path, _set(9, "ci_low", ""))
    with pytest.raises(DataError, match=r"line 11 \(id 'sanchez2021_4_12wk'\).*'ci_low' is a required property"):
        load_file(path, SCHEMA, reference_keys(), schema_check=True)


def test_a_repeated_id_is_rejected(tmp_path):
    path = _write(tmp_path, _set(1, "id", "liu2015_sham_short"))
    with pytest.raises(DataError, match=r"line 3.*field 'id'.*used twice"):
        load_file(path, SCHEMA, reference_keys(), schema_check=True)


def test_an_extra_cell_is_rejected(tmp_path):
    path = tmp_path / "evidence.csv"
    lines = GOOD.splitlines()
    lines[3] += ",surplus"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 4: more cells"):
        load_file(path, SCHEMA, reference_keys(), schema_check=True)


@pytest.mark.parametrize("field, low, estimate, high", [
    ("'ci_low'", "1.0", "0.5", "-1.0"),        # interval upside down
    ("'estimate'", "-1.0", "2.5", "1.0"),      # estimate outside its interval
])
def test_two_field_checks_name_row_and_field(tmp_path, field, low, estimate, high):
    def edit(rows):
        rows[4].update(ci_low=low, estimate=estimate, ci_high=high)
    rows = load_file(_write(tmp_path, edit), SCHEMA, reference_keys(), schema_check=True)
    with pytest.raises(DataError) as error:
        check_rows(rows)
    assert "line 6 (id 'liu2018_other_pain')" in str(error.value) and field in str(error.value)


THRESHOLDS = (DATA_DIR / "thresholds.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("old, new, field", [
    ("farrar_points,MCID chronic pain NRS (absolute),2,points", "farrar_points,MCID chronic pain NRS (absolute),12,points", "'value'"),
    (",30,percent,", ",30,percent of baseline,", "'unit'"),
    ("clinically important change,false,kovacs2008", "clinically important change,maybe,kovacs2008", "'approximate'"),
])
def test_a_bad_threshold_row_is_rejected(tmp_path, old, new, field):
    assert old in THRESHOLDS
    path = tmp_path / "thresholds.csv"
    path.write_text(THRESHOLDS.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_file(path, DATA_DIR / "thresholds.schema.json", reference_keys(), schema_check=True)
    assert "thresholds.csv, line" in str(error.value) and field in str(error.value)


def test_benefits_citations_are_checked(tmp_path):
    text = (DATA_DIR / "benefits.csv").read_text(encoding="utf-8").replace("valera2022;castro2020", "valera2022;nobody1999")
    path = tmp_path / "benefits.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"line 9 \(id 'fibromyalgia'\), field 'refs': citation 'nobody1999'"):
        load_file(path, DATA_DIR / "benefits.schema.json", reference_keys(), schema_check=True)


def test_section_2_references_do_not_redefine_other_sections_keys():
    own = [r["id"] for r in csv.DictReader((DATA_DIR / "references" / "s02.csv").open(encoding="utf-8"))]
    others = [r["id"] for p in sorted((DATA_DIR / "references").glob("*.csv")) if p.name != "s02.csv"
              for r in csv.DictReader(p.open(encoding="utf-8"))]
    assert set(own).isdisjoint(others)
    assert set(own) <= reference_keys()
