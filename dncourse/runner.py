"""The one way the course runs a notebook headless: tests, benchmarks and stress runs.

nbclient waits for a kernel's reply with one long poll of a zmq socket.
After a cell that makes widgets, that poll sometimes misses a reply that has
already arrived, and the run stalls for the whole cell timeout
(jupyter/nbclient#312), more often on a busy machine.  Here every wait is a
series of short polls (:data:`SLICE_SECONDS`) up to the same timeout, so a
reply that is waiting is found at once.  This is done with jupyter_client's
public extension points: a kernel client class whose channels' ``get_msg``
polls in slices (:class:`SlicedKernelClient`), named in the kernel manager's
configurable ``client_class`` (:func:`sliced_config`).

:func:`run_notebook` also puts a limit on the whole run, and raises
:class:`NotebookTimeout` with a plain message when it is passed.

Run from the shell: ``python -m dncourse.runner NOTEBOOK...`` runs each
notebook and prints how long it took.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type
from traitlets.config import Config

__all__ = ["SLICE_SECONDS", "NotebookTimeout", "SlicedChannel", "SlicedKernelClient", "run_notebook",
           "sliced_config"]

#: Seconds of one poll of a kernel's socket.
SLICE_SECONDS = 0.1
#: Seconds one cell may run (the learner's kernel in a lesson does a few seconds' work at most).
CELL_TIMEOUT = 120
#: Seconds a whole notebook may run before :func:`run_notebook` gives up.
TIME_LIMIT = 600
#: Kernel arguments: the kernel's own log shows errors only (not its start-up warnings).
QUIET_KERNEL = ("--IPKernelApp.log_level=ERROR",)


class NotebookTimeout(RuntimeError):
    """A notebook did not finish within its overall time limit."""


class SlicedChannel(AsyncZMQSocketChannel):
    """A kernel channel whose ``get_msg`` polls in short slices up to the same timeout."""

    slice_seconds = SLICE_SECONDS

    async def get_msg(self, timeout: float | None = None) -> dict:
        """The next message; :class:`queue.Empty` when none came within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = self.slice_seconds if deadline is None else min(self.slice_seconds,
                                                                     max(0.0, deadline - loop.time()))
            try:
                return await super().get_msg(timeout=left)
            except Empty:
                if deadline is not None and loop.time() >= deadline:
                    raise


class SlicedKernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose shell and output channels poll in slices."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)


def sliced_config(config: Config | None = None) -> Config:
    """``config`` (or a new one) with kernels managed through :class:`SlicedKernelClient`."""
    merged = Config(config) if config is not None else Config()
    merged.merge(Config({"AsyncKernelManager": {"client_class": f"{__name__}.SlicedKernelClient"}}))
    return merged


def _in_own_loop(coroutine):
    """Run ``coroutine`` in a fresh event loop in a thread of its own (the caller's loop may be running)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_notebook(notebook, *, cwd: str | Path | None = None, time_limit: float = TIME_LIMIT,
                 cell_timeout: float = CELL_TIMEOUT, kernel_name: str = "python3",
                 env: dict | None = None, allow_errors: bool = False):
    """Run ``notebook`` (a path or an nbformat notebook) in a fresh kernel; return the run notebook.

    ``cwd`` is the kernel's folder (by default the notebook file's folder).
    ``env`` is added to this process's environment for the kernel; by default
    ``MPLBACKEND=Agg``, so figures are drawn but no window is opened.  A cell
    error raises nbclient's ``CellExecutionError`` unless ``allow_errors``.
    A run longer than ``time_limit`` seconds stops its kernel and raises
    :class:`NotebookTimeout`.  The kernel's own log shows errors only
    (:data:`QUIET_KERNEL`); what the notebook prints is in its outputs.
    """
    import nbformat
    from nbclient import NotebookClient

    name = "the notebook"
    if isinstance(notebook, (str, Path)):
        path = Path(notebook)
        name = path.name
        notebook = nbformat.read(path, as_version=4)
        cwd = path.parent if cwd is None else cwd
    kernel_env = dict(os.environ, MPLBACKEND="Agg")
    kernel_env.update(env or {})
    resources = {"metadata": {"path": str(cwd)}} if cwd is not None else {}
    client = NotebookClient(notebook, timeout=cell_timeout, kernel_name=kernel_name, resources=resources,
                            allow_errors=allow_errors, config=sliced_config(),
                            extra_arguments=list(QUIET_KERNEL))

    async def run():
        # Not asyncio.wait_for: nbclient turns the cancellation into a DeadKernelError.
        task = asyncio.ensure_future(client.async_execute(env=kernel_env))
        done, _ = await asyncio.wait({task}, timeout=time_limit)
        if task in done:
            return task.result()
        task.cancel()
        try:
            await task   # nbclient stops the kernel as the run ends
        except (asyncio.CancelledError, Exception):  # how the cancelled run ends does not matter here
            pass
        raise NotebookTimeout(f"{name} did not finish within {time_limit:.0f} s; its kernel was stopped. "
                              "Run it in JupyterLab to see which cell does not finish.")

    return _in_own_loop(run())


def main(argv: list[str] | None = None) -> int:
    """``python -m dncourse.runner NOTEBOOK...``: run each notebook; print its time or its error."""
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    if not paths:
        print("usage: python -m dncourse.runner NOTEBOOK...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        if not path.is_file():
            print(f"{path}: no such notebook", file=sys.stderr)
            failed += 1
            continue
        start = time.perf_counter()
        try:
            run_notebook(path)
        except Exception as exc:  # report and go on with the next notebook
            failed += 1
            first = (str(exc).strip().splitlines() or [""])[0]
            print(f"{path}: FAILED after {time.perf_counter() - start:.1f} s: {exc.__class__.__name__}: {first}")
            continue
        print(f"{path}: ran in {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
