"""The one loader for the course's clinical data files.

Every table of clinical facts lives in ``dncourse/content/data/`` as a CSV file (or a
JSON list for nested data) next to a JSON Schema, ``<name>.schema.json``, that
describes one row.  A table that every section adds to (references, practice
checks) may instead be a folder ``<name>/`` of parts, one per section
(``references/s01.csv``); its rows are the parts' rows in file-name order.  :func:`load` reads the file, turns CSV text into numbers
and booleans as the schema says, validates every row, checks that each
citation key exists in the ``references`` table and that ``id`` values are unique,
and raises :class:`DataError` naming the file, the row and the field when
anything is wrong.

The full JSON Schema check needs ``jsonschema`` and is done where the data
files change: by the tests (:func:`check_all`), not in every learner's
kernel.  The data files are committed, so a lesson loads data that CI has
already checked against its schema.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

__all__ = ["DataError", "DATA_DIR", "check_all", "load", "load_file", "reference_keys", "table_names", "table_paths"]


class DataError(ValueError):
    """A data file is missing or malformed; the message names the row and field."""


def _types(prop: dict) -> list[str]:
    kind = prop.get("type", "string")
    return kind if isinstance(kind, list) else [kind]


def _coerce(text: str, prop: dict, where: str):
    """Turn one CSV cell into the type its schema property asks for."""
    types = _types(prop)
    text = text.strip()
    if text == "" and "null" in types:
        return None
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            raise DataError(f"{where}: {text!r} is not a whole number") from None
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            raise DataError(f"{where}: {text!r} is not a number") from None
    if "boolean" in types:
        if text.lower() in ("true", "yes"):
            return True
        if text.lower() in ("false", "no"):
            return False
        raise DataError(f"{where}: {text!r} is not true or false")
    if "array" in types:
        return [part.strip() for part in text.split(";") if part.strip()]
    return text


def _read_rows(path: Path, text: str, schema: dict) -> list[dict]:
    props = schema.get("properties", {})
    if path.suffix == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path.name}: not valid JSON ({exc})") from None
        if not isinstance(rows, list):
            raise DataError(f"{path.name}: the file must hold a list of rows")
        return rows
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [name for name in schema.get("required", []) if name not in header]
        if missing:
            raise DataError(f"{path.name}: the header has no column {', '.join(missing)}")
        unknown = [name for name in header if name not in props]
        if unknown and schema.get("additionalProperties") is False:
            raise DataError(f"{path.name}: unknown column {', '.join(unknown)}")
        rows = []
        for line, raw in enumerate(reader, start=2):
            if None in raw:
                raise DataError(f"{path.name}, line {line}: more cells than the header has columns")
            row = {}
            for field, text in raw.items():
                if text is None:
                    raise DataError(f"{path.name}, line {line}, field {field!r}: the cell is missing")
                if text.strip() == "" and "null" not in _types(props.get(field, {})):
                    continue  # left out; 'required' in the schema decides if that is allowed
                row[field] = _coerce(text, props.get(field, {}), f"{path.name}, line {line}, field {field!r}")
            rows.append(row)
        return rows


def _row_name(path: Path, index: int, row) -> str:
    if path.suffix == ".csv":
        place = f"line {index + 2}"
    else:
        place = f"row {index + 1}"
    if isinstance(row, dict) and "id" in row:
        place += f" (id {row['id']!r})"
    return f"{path.name}, {place}"


def load_file(path: Path, schema_path: Path, refs: set[str] | None = None, *,
              schema_check: bool = False) -> list[dict]:
    """Load one data file described by one schema; see :func:`load`.

    Every load turns cells into the schema's types and checks ids and
    citation keys.  With ``schema_check`` every row is also validated against
    the JSON Schema (this imports ``jsonschema``; :func:`check_all` does it).
    """
    path, schema_path = Path(path), Path(schema_path)
    if not path.exists():
        raise DataError(f"{path.name}: file not found in {path.parent}")
    schema_bytes, data_bytes = schema_path.read_bytes(), path.read_bytes()
    schema = json.loads(schema_bytes.decode("utf-8"))
    rows = _read_rows(path, data_bytes.decode("utf-8"), schema)
    validator = _validator(schema) if schema_check else None
    seen_ids: dict = {}
    for index, row in enumerate(rows):
        where = _row_name(path, index, row)
        errors = [] if validator is None else sorted(validator.iter_errors(row), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            field = ".".join(str(p) for p in error.absolute_path)
            if error.validator == "required":
                raise DataError(f"{where}: {error.message}")
            raise DataError(f"{where}, field {field!r}: {error.message}")
        if "id" in row:
            if row["id"] in seen_ids:
                raise DataError(f"{where}, field 'id': {row['id']!r} is used twice")
            seen_ids[row["id"]] = index
        if refs is not None:
            for field, prop in schema.get("properties", {}).items():
                if not prop.get("x-citation") or field not in row:
                    continue
                keys = row[field] if isinstance(row[field], list) else [row[field]]
                for key in keys:
                    if key not in refs:
                        raise DataError(
                            f"{where}, field {field!r}: citation {key!r} is not in references.csv")
    return rows


def _validator(schema: dict):
    import jsonschema  # imported here: only the schema check (tests, CI) needs it

    return jsonschema.Draft202012Validator(schema)


def table_paths(name: str) -> list[Path]:
    """The file, or the part files in file-name order, that hold table ``name``."""
    folder = DATA_DIR / name
    if folder.is_dir():
        parts = sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".json"))
        if not parts:
            raise DataError(f"{name}/: the folder has no .csv or .json part")
        return parts
    for suffix in (".csv", ".json"):
        path = DATA_DIR / f"{name}{suffix}"
        if path.exists():
            return [path]
    raise DataError(f"{name}: no file {name}.csv, {name}.json or folder {name}/ in {DATA_DIR}")


def _table_rows(name: str, schema_check: bool = False) -> list[dict]:
    """The rows of table ``name`` from all its files (see :func:`load`)."""
    schema = DATA_DIR / f"{name}.schema.json"
    if not schema.exists():
        known = table_names()
        raise DataError(f"no data table called {name!r}; the tables are: {', '.join(known)}")
    refs = None if name == "references" else reference_keys()
    rows: list[dict] = []
    owner: dict = {}
    for path in table_paths(name):
        for row in load_file(path, schema, refs, schema_check=schema_check):
            if isinstance(row, dict) and "id" in row:
                if row["id"] in owner:
                    raise DataError(f"{path.name}: id {row['id']!r} is already used in {owner[row['id']]}")
                owner[row["id"]] = f"{path.parent.name}/{path.name}"
            rows.append(row)
    return rows


@functools.lru_cache(maxsize=None)
def _load_cached(name: str) -> list[dict]:
    return _table_rows(name)


def load(name: str) -> list[dict]:
    """Return the validated rows of the data table ``name`` as a list of dicts.

    Each call returns a fresh copy, so callers may change what they get.

    Raises
    ------
    DataError
        When the table does not exist, or any row breaks its schema.
    """
    return _fresh(_load_cached(name))


_IMMUTABLE = (str, int, float, bool, type(None))


def _fresh(value):
    """A deep copy of JSON-like data (dicts, lists, scalars).

    Dicts and lists are rebuilt, strings, numbers, booleans and ``None`` are
    shared (they cannot be changed), and any other object is copied with
    :func:`copy.deepcopy`.  :func:`load` returns such a copy, so a caller that
    changes its rows never changes what the next caller gets.
    """
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_fresh(item) for item in value]
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)


def table_names() -> list[str]:
    """The names of all data tables (one per ``<name>.schema.json``)."""
    return sorted(p.name[: -len(".schema.json")] for p in DATA_DIR.glob("*.schema.json"))


def check_all() -> dict[str, str]:
    """Check every table against its JSON Schema, and everything :func:`load` checks.

    Returns ``{table: message}`` for each table that fails; empty when all pass.
    """
    failed = {}
    for name in table_names():
        try:
            _table_rows(name, schema_check=True)
        except DataError as exc:
            failed[name] = str(exc)
    return failed


def reference_keys() -> set[str]:
    """The citation keys defined in the ``references`` table (``data/references/*.csv``)."""
    return {row["id"] for row in _load_cached("references")}
