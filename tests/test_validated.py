"""Data files that passed their schema are not checked against it again (dncourse/validated.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from dncourse import loader, validated
from dncourse.loader import DATA_DIR, DataError, load_file, reference_keys

SCHEMA = DATA_DIR / "evidence.schema.json"
GOOD = (DATA_DIR / "evidence.csv").read_text(encoding="utf-8")


@pytest.fixture
def notes(tmp_path, monkeypatch):
    """A folder of notes of this test's own; the process forgets what it read before and after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DNCOURSE_CACHE_DIR", str(folder))
    validated.forget()
    yield folder / validated.FILE_NAME
    validated.forget()


def _load_in_a_fresh_process(path, cache) -> tuple[list, bool]:
    """Load ``path`` in a new Python; return its rows and whether jsonschema was imported."""
    code = ("import json, sys\n"
            "from dncourse.loader import load_file, reference_keys, DATA_DIR\n"
            f"rows = load_file({str(path)!r}, DATA_DIR / 'evidence.schema.json', reference_keys())\n"
            "print(json.dumps([rows, 'jsonschema' in sys.modules]))")
    env = dict(os.environ, DNCOURSE_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return tuple(json.loads(out.stdout))


def test_a_file_that_passed_loads_the_same_later_without_jsonschema(tmp_path, notes):
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD, encoding="utf-8")
    first, imported = _load_in_a_fresh_process(path, notes.parent)
    assert imported, "the first load checks the file with jsonschema"
    assert notes.exists() and len(json.loads(notes.read_text(encoding="utf-8"))["passed"]) >= 1
    again, imported = _load_in_a_fresh_process(path, notes.parent)
    assert not imported, "a file that passed before needs no jsonschema"
    assert again == first and len(first) > 5


def test_a_changed_file_is_checked_again_and_a_bad_one_is_still_rejected(tmp_path, notes):
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD, encoding="utf-8")
    load_file(path, SCHEMA, reference_keys())
    header, first, *rest = GOOD.splitlines(keepends=True)
    cells = first.split(",")
    cells[0] = "Not An Id!"                      # breaks the id pattern of the schema
    path.write_text(header + ",".join(cells) + "".join(rest), encoding="utf-8")
    with pytest.raises(DataError, match="field 'id'"):
        load_file(path, SCHEMA, reference_keys())
    assert not validated.passed(SCHEMA.read_bytes(), path.read_bytes())


def test_a_changed_schema_or_loader_voids_the_notes(tmp_path, notes, monkeypatch):
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD, encoding="utf-8")
    load_file(path, SCHEMA, reference_keys())
    assert validated.passed(SCHEMA.read_bytes(), path.read_bytes())
    assert not validated.passed(SCHEMA.read_bytes() + b"\n", path.read_bytes())
    validated.forget()
    monkeypatch.setattr(validated, "_current_identity", lambda: "another loader or jsonschema")
    assert not validated.passed(SCHEMA.read_bytes(), path.read_bytes())


@pytest.mark.parametrize("damage", ["{ not json", '{"identity": 3, "passed": "x"}', '["a list"]', ""])
def test_a_damaged_notes_file_means_the_check_runs_and_the_file_is_mended(tmp_path, notes, damage):
    notes.parent.mkdir(parents=True)
    notes.write_text(damage, encoding="utf-8")
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert not validated.passed(SCHEMA.read_bytes(), path.read_bytes())
    assert len(load_file(path, SCHEMA, reference_keys())) > 5
    assert json.loads(notes.read_text(encoding="utf-8"))["passed"]


def test_nowhere_to_keep_notes_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    path = tmp_path / "evidence.csv"
    path.write_text(GOOD, encoding="utf-8")
    for setting in (str(blocker / "cache"), ""):        # unwritable, and turned off
        monkeypatch.setenv("DNCOURSE_CACHE_DIR", setting)
        validated.forget()
        assert len(load_file(path, SCHEMA, reference_keys())) > 5
    validated.forget()
    assert validated.cache_file() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file-not-a-folder", "evidence.csv"]


def test_the_default_place_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("DNCOURSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert validated.cache_file() == tmp_path / "dncourse" / validated.FILE_NAME


def test_unchecked_tables_until_every_table_passed(notes, monkeypatch):
    monkeypatch.setattr(loader, "_load_cached", loader._load_cached.__wrapped__)   # no cached tables
    names = loader.table_names()
    assert len(names) > 15 and loader.unchecked_tables() == names
    assert loader.check_all() == []
    assert loader.unchecked_tables() == []
    saved = json.loads(notes.read_text(encoding="utf-8"))["passed"]
    assert len(saved) == sum(len(loader.table_paths(n)) for n in names)


def test_a_table_that_fails_stays_unchecked(tmp_path, notes, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("references", "myths"):
        (data / f"{name}.schema.json").write_bytes((DATA_DIR / f"{name}.schema.json").read_bytes())
    shutil.copytree(DATA_DIR / "references", data / "references")
    (data / "myths.csv").write_text("not,the,header\n1,2,3\n", encoding="utf-8")
    monkeypatch.setattr(loader, "DATA_DIR", data)
    monkeypatch.setattr(loader, "_load_cached", loader._load_cached.__wrapped__)
    assert loader.check_all() == ["myths"]
    assert loader.unchecked_tables() == ["myths"]
