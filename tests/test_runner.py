"""Every lesson and every instructor quiz runs headless from top to bottom without error."""

import os

import nbformat
import pytest

from tests.support.course import ROOT, lesson_paths, source_quiz_paths
from tests.support.headless import notebook_client

TIMEOUT = 120  # seconds per cell; a whole notebook normally runs in a few seconds


def execute(path):
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = notebook_client(nb, timeout=TIMEOUT, kernel_name="python3",
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


def test_sliced_polling_finds_a_waiting_reply_and_still_times_out():
    """The headless client's channels poll in short slices (jupyter/nbclient#312)."""
    import asyncio
    import time
    from concurrent.futures import ThreadPoolExecutor
    from queue import Empty

    from tests.support.headless import sliced

    def run(coroutine):   # in a thread of its own: another test's event loop may be running in this one
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    calls = []

    async def missed_twice(timeout=None):
        calls.append(timeout)
        if len(calls) < 3:
            raise Empty
        return {"msg_type": "execute_reply"}

    async def never(timeout=None):
        await asyncio.sleep(min(timeout, 0.01))
        raise Empty

    assert run(sliced(missed_twice, 0.05)(timeout=60)) == {"msg_type": "execute_reply"}
    assert calls == [0.05, 0.05, 0.05]          # short polls, not one poll of 60 s
    start = time.perf_counter()
    with pytest.raises(Empty):
        run(sliced(never, 0.05)(timeout=0.3))
    assert 0.25 <= time.perf_counter() - start < 5   # the overall timeout still holds
