"""Where the course is, and small helpers over its files, shared by every test folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The clinical fact sheet, beside the checkout (never inside it); see the ``fact_sheet`` fixture.
FACT_SHEET = ROOT.parent / "shared" / "clinical-facts.md"
#: The article section 2 quotes, beside the fact sheet; see the ``seed_article`` fixture.
SEED_ARTICLE = ROOT.parent / "shared" / "seed-article.txt"
#: Whether the tests run in CI (``CI=true``): there, absent shared files are failures, not skips.
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def lesson_paths() -> list[Path]:
    """The lessons (``notebooks/*.ipynb``), in order."""
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def source_quiz_paths() -> list[Path]:
    """The instructor's quizzes (``source/sNN-*/*.ipynb``), in order."""
    return sorted((ROOT / "source").glob("s[0-9][0-9]-*/*.ipynb"))


def release_quiz_paths() -> list[Path]:
    """The released quizzes learners get (``release/sNN-*/*.ipynb``), in order."""
    return sorted((ROOT / "release").glob("s[0-9][0-9]-*/*.ipynb"))


def committed_notebooks() -> list[Path]:
    """Every notebook committed to the course: lessons, everything in ``source/``, released quizzes."""
    return lesson_paths() + sorted((ROOT / "source").glob("**/*.ipynb")) + release_quiz_paths()


def read_nb(path: Path) -> dict:
    """The notebook at ``path`` as plain JSON."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def cell_text(cell) -> str:
    """A cell's source as one string (notebook JSON may store it as a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def make_course(tmp: Path) -> Path:
    """A throw-away nbgrader course: the config and source/ copied into ``tmp``."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "nbgrader_config.py", tmp)
    shutil.copytree(ROOT / "source", tmp / "source")
    return tmp


def csv_with_line(tmp_path: Path, table: str, line: str) -> Path:
    """A copy of data table ``table`` (a CSV) with ``line`` inserted as its first row."""
    from dncourse.content.loader import DATA_DIR

    text = (DATA_DIR / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    path = Path(tmp_path) / f"{table}.csv"
    path.write_text("\n".join(text[:1] + [line] + text[1:]) + "\n", encoding="utf-8")
    return path


def csv_with_rows_edited(tmp_path: Path, table: str, edit, text: str | None = None) -> Path:
    """A copy of data table ``table`` (or of ``text``) after ``edit(rows)`` changed its rows in place."""
    import csv
    import io

    from dncourse.content.loader import DATA_DIR

    text = text if text is not None else (DATA_DIR / f"{table}.csv").read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    fields, rows = reader.fieldnames, list(reader)
    edit(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = Path(tmp_path) / f"{table}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path
