"""``dncourse.runner``, the one headless notebook runner: every lesson and quiz runs through it cleanly;
its channels poll in short slices; a run past its time limit stops with a plain message."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from queue import Empty

import nbformat
import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

from dncourse.runner import NotebookTimeout, SlicedChannel, SlicedKernelClient, run_notebook, sliced_config
from tests.support.course import ROOT, lesson_paths, source_quiz_paths


@pytest.mark.parametrize("path", lesson_paths() + source_quiz_paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_runs_without_errors_or_warnings(path):
    nb = run_notebook(path)
    ran = [cell for cell in nb.cells if cell.cell_type == "code" and cell.get("execution_count")]
    assert ran, "no code cell ran"
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {i}: {output.get('ename')}: {output.get('evalue')}"
            assert output.get("name") != "stderr", f"cell {i} wrote to stderr: {output.get('text')}"


# --- sliced polling, without a kernel -------------------------------------------------------

def _in_thread(coroutine):
    """Run ``coroutine`` in an event loop of its own (another test's loop may be running in this thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def channel():
    """A sliced channel on an asyncio socket that is connected to nothing: no message ever arrives."""
    context = zmq.asyncio.Context()
    socket = context.socket(zmq.DEALER)
    made = SlicedChannel(socket, Session())
    made.slice_seconds = 0.05
    yield made
    socket.close(linger=0)
    context.term()


def test_a_waiting_reply_is_found_after_short_polls(channel, monkeypatch):
    calls = []

    async def missed_twice(self, timeout=None):
        """The parent channel's poll, missing a reply twice before it finds it."""
        calls.append(timeout)
        if len(calls) < 3:
            raise Empty
        return {"msg_type": "execute_reply"}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", missed_twice)
    assert _in_thread(channel.get_msg(timeout=60)) == {"msg_type": "execute_reply"}
    assert calls == [0.05, 0.05, 0.05], "short polls, not one poll of 60 s"


def test_a_reply_that_never_comes_still_raises_empty_at_the_overall_timeout(channel):
    start = time.perf_counter()
    with pytest.raises(Empty):
        _in_thread(channel.get_msg(timeout=0.3))
    assert 0.25 <= time.perf_counter() - start < 5


def test_kernels_are_managed_through_the_sliced_client():
    from jupyter_client.manager import AsyncKernelManager

    manager = AsyncKernelManager(config=sliced_config())
    assert manager.client_class == "dncourse.runner.SlicedKernelClient"
    client = manager.client()
    assert isinstance(client, SlicedKernelClient)
    assert client.shell_channel_class is SlicedChannel and client.iopub_channel_class is SlicedChannel


# --- the overall time limit -----------------------------------------------------------------

def _pid_is_running(pid: int) -> bool:
    """Whether process ``pid`` is alive (a zombie, dead but not yet reaped, counts as not running)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_notebook_past_its_time_limit_raises_and_its_kernel_is_stopped(tmp_path):
    pid_file = tmp_path / "kernel.pid"
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(120)"),
    ])
    start = time.perf_counter()
    with pytest.raises(NotebookTimeout, match=r"the notebook did not finish within 10 s; its kernel was stopped"):
        run_notebook(nb, cwd=tmp_path, time_limit=10)
    assert time.perf_counter() - start < 60
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _pid_is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pid_is_running(pid), f"the kernel (process {pid}) is still running"


def test_a_cell_error_is_raised_unless_errors_are_allowed(tmp_path):
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    with pytest.raises(CellExecutionError, match="ZeroDivisionError"):
        run_notebook(nb, cwd=tmp_path)
    ran = run_notebook(nb, cwd=tmp_path, allow_errors=True)
    assert ran.cells[0].outputs[0]["ename"] == "ZeroDivisionError"


# --- python -m dncourse.runner --------------------------------------------------------------

def test_the_command_reports_a_missing_notebook_with_its_exit_status(tmp_path):
    missing = tmp_path / "no-such.ipynb"
    run = subprocess.run([sys.executable, "-m", "dncourse.runner", str(missing)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert f"{missing}: no such notebook" in run.stderr
    usage = subprocess.run([sys.executable, "-m", "dncourse.runner"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert usage.returncode == 2 and "usage: python -m dncourse.runner NOTEBOOK" in usage.stderr
