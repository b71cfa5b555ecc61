"""The committed data tables pass their JSON Schemas (``loader.check_all``), and a bad cell is named.

Learners' kernels load the tables without the JSON Schema check; this is
where that check runs, on every table, in CI.
"""

from __future__ import annotations

import json
import shutil

import pytest

from dncourse.content import loader
from tests.support.course import csv_with_rows_edited


def test_every_committed_table_passes_its_schema():
    assert len(loader.table_names()) >= 15, loader.table_names()
    assert loader.check_all() == {}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the data folder that the loader reads instead of the committed one."""
    data = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, data)
    loader._load_cached.cache_clear()
    monkeypatch.setattr(loader, "DATA_DIR", data)
    yield data
    loader._load_cached.cache_clear()


def test_a_bad_cell_in_a_csv_table_is_reported_by_file_row_and_field(data_copy, tmp_path):
    def bad_category(rows):
        rows[1]["category"] = "forbidden"

    edited = csv_with_rows_edited(tmp_path, "screening_rules", bad_category,
                                  (data_copy / "screening_rules.csv").read_text(encoding="utf-8"))
    shutil.copy(edited, data_copy / "screening_rules.csv")
    assert loader.load("screening_rules"), "without the schema check the table still loads, as in a kernel"
    failed = loader.check_all()
    assert list(failed) == ["screening_rules"], failed
    message = failed["screening_rules"]
    assert "screening_rules.csv" in message and "line 3 (id 'no_consent')" in message, message
    assert "field 'category'" in message and "'forbidden'" in message, message


def test_a_bad_value_in_a_json_table_is_reported_by_file_row_and_field(data_copy):
    path = data_copy / "myths.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    rows[2]["accept"] = ["certainly"]
    path.write_text(json.dumps(rows), encoding="utf-8")
    failed = loader.check_all()
    assert list(failed) == ["myths"], failed
    assert "myths.json" in failed["myths"] and "row 3 (id 'no_drugs'), field 'accept.0'" in failed["myths"]
