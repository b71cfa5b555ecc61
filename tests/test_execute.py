"""Every lesson and every instructor quiz runs headless from top to bottom without error."""

import os

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, lesson_paths, source_quiz_paths

TIMEOUT = 120  # seconds per cell; a whole notebook normally runs in a few seconds


def execute(path):
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


@pytest.mark.parametrize("path", lesson_paths() + source_quiz_paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_executes_without_errors_or_warnings(path):
    nb = execute(path)
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {i}: {output.get('ename')}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"cell {i} wrote to stderr: {output.get('text')}"
