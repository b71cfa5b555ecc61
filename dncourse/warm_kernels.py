"""Grading kernels started one learner ahead, so a kernel's start-up overlaps nbgrader's own work.

Autograding one submission is mostly two things in turn: starting a fresh
kernel (most of a second, in its own process) and nbgrader's work in the
grading process (copying, checking and converting the notebook, writing the
gradebook).  Done one after the other, a machine with two cores leaves one
idle.  While nbgrader works on one learner, :class:`KernelPool` has the next
learner's kernel starting in its own process; ``WarmExecute`` (nbgrader's
``Execute`` preprocessor, given that kernel; see :func:`warm_execute_class`)
runs the notebook on it.

Every learner still gets a fresh kernel of the same kernelspec (the grading
sandbox, where available), used once and then stopped.  Each kernel starts in
a scratch folder of its own outside the course; before the notebook runs, the
learner's submitted files are copied there (symbolic links stay links), so the
notebook finds its files beside it as it would in nbgrader's own run.  That
folder is the only one the sandboxed kernel can write to.

``dncourse grade`` uses this for serial grading::

    with warm_kernels(api):
        api.autograde(quiz, learner)   # for each learner
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
import time
from collections import deque
from pathlib import Path

__all__ = ["KernelPool", "pooled", "warm_execute_class", "warm_kernels"]

_ACTIVE: "KernelPool | None" = None


class KernelPool:
    """Kernels of one kernelspec, each started before it is needed and used once.

    ``take()`` returns a started kernel manager and its folder, and starts the
    next kernel at once; ``release()`` stops a used kernel; ``close()`` stops
    the spare one and removes the folders.
    """

    def __init__(self, kernel_name: str, *, config=None, spare: int = 1):
        if spare < 1:
            raise ValueError("a pool needs at least one spare kernel")
        self.kernel_name = kernel_name
        self.config = config
        self.spare = spare
        self.folder = Path(tempfile.mkdtemp(prefix="dncourse-grading-kernels-"))
        self._ready: deque = deque()
        self._dying: deque = deque()
        self._count = 0
        self.started = 0

    def _start(self):
        from jupyter_core.utils import run_sync

        folder = self.folder / f"kernel-{self._count:05d}"
        self._count += 1
        folder.mkdir()
        km = _pooled_manager_class()(kernel_name=self.kernel_name, config=self.config)
        extra = ["--HistoryManager.hist_file=:memory:"] if km.ipykernel else []
        run_sync(km.start_kernel)(cwd=str(folder), extra_arguments=extra)
        km.early()   # subscribe to its output while it starts (see PooledKernelClient)
        self.started += 1
        return km, folder

    def take(self):
        """A started kernel manager and its scratch folder; the next kernel starts now."""
        if not self._ready:
            self._ready.append(self._start())
        taken = self._ready.popleft()
        while len(self._ready) < self.spare:
            self._ready.append(self._start())
        return taken

    def release(self, km, folder: Path) -> None:
        """Stop a kernel that has done its work.

        It is killed at once (it has nothing left to save) and reaped at the
        next release, so the next learner does not wait for it to exit.
        """
        import signal

        from jupyter_core.utils import run_sync

        self._reap()
        kill = getattr(signal, "SIGKILL", None)
        try:
            if kill is not None and run_sync(km.is_alive)():
                run_sync(km.signal_kernel)(kill)
                self._dying.append((km, folder))
                return
        except Exception:  # not signalled: shut it down the slow way below
            pass
        self._dying.append((km, folder))
        self._reap()

    def _reap(self) -> None:
        from jupyter_core.utils import run_sync

        while self._dying:
            km, folder = self._dying.popleft()
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # a kernel that died on its own: nothing more to stop
                pass
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Stop the spare kernels and remove every folder."""
        while self._ready:
            self._dying.append(self._ready.popleft())
        self._reap()
        shutil.rmtree(self.folder, ignore_errors=True)


@functools.lru_cache(maxsize=None)
def _pooled_manager_class():
    from queue import Empty

    from jupyter_client import AsyncKernelManager
    from jupyter_client.asynchronous.client import AsyncKernelClient

    class PooledKernelClient(AsyncKernelClient):
        """A client connected while its kernel was starting.

        Its subscription to the kernel's output was made long before the first
        cell runs, so it is ready as soon as the kernel answers ``kernel_info``
        and has published anything at all; jupyter_client's general handshake
        would then also wait 0.2 s for more output that never comes.
        """

        async def wait_for_ready(self, timeout=None):
            general = super().wait_for_ready
            needed = ("_async_recv_reply", "_async_is_alive", "_handle_kernel_info_reply")
            if not all(hasattr(self, name) for name in needed):   # another jupyter_client: its own way
                return await general(timeout)
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            msg_id = self.kernel_info()
            while True:
                try:
                    reply = await self._async_recv_reply(
                        msg_id, timeout=max(0.0, min(1.0, deadline - time.monotonic())))
                    break
                except TimeoutError:
                    if not await self._async_is_alive():
                        raise RuntimeError("Kernel died before replying to kernel_info") from None
                    if time.monotonic() >= deadline:
                        raise RuntimeError(f"Kernel didn't respond in {timeout} seconds") from None
            try:
                await self.iopub_channel.get_msg(timeout=1.0)   # the subscription is live
            except Empty:
                return await general(timeout)                     # not proven: the general handshake
            self._handle_kernel_info_reply(reply)

        _async_wait_for_ready = wait_for_ready

    class PooledKernelManager(AsyncKernelManager):
        """A kernel manager whose first ``client()`` is the one connected when the kernel started."""

        early_client = None

        def client(self, **kwargs):
            if self.early_client is not None and not kwargs:
                kc, self.early_client = self.early_client, None
                return kc
            return super().client(**kwargs)

        def early(self):
            """Connect a client now (see :class:`PooledKernelClient`); ``client()`` will return it."""
            # The manager's own zmq context: stopping the kernel closes its sockets (with a short
            # linger), so none is left to block the interpreter when it is garbage-collected.
            self.early_client = PooledKernelClient(parent=self, context=self.context,
                                                   connection_file=self.connection_file,
                                                   **self.get_connection_info(session=True))
            self.early_client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)

    return PooledKernelManager


def _copy_submission(source: Path, target: Path) -> None:
    """The learner's submitted files, copied beside the kernel (links stay links: nothing is followed)."""
    if not source.is_dir():
        return
    for item in source.iterdir():
        if item.is_symlink() or not item.is_dir():
            shutil.copy2(item, target / item.name, follow_symlinks=False)
        else:
            shutil.copytree(item, target / item.name, symlinks=True, dirs_exist_ok=True)


@functools.lru_cache(maxsize=None)
def warm_execute_class():
    """:class:`WarmExecute`, made when first asked for (importing nbgrader takes seconds)."""
    from nbgrader.preprocessors import Execute

    class WarmExecute(Execute):
        """nbgrader's ``Execute``, run on the kernel the active :class:`KernelPool` started ahead.

        Without an active pool it is nbgrader's ``Execute`` unchanged.
        """

        def preprocess(self, nb, resources=None, km=None):
            pool = _ACTIVE
            wanted = self.kernel_name or (nb.metadata.get("kernelspec") or {}).get("name") or ""
            if pool is None or km is not None or wanted != pool.kernel_name:
                return super().preprocess(nb, resources, km)
            km, folder = pool.take()
            path = ((resources or {}).get("metadata") or {}).get("path")
            try:
                if path:
                    _copy_submission(Path(path), folder)
                return super().preprocess(nb, resources, km)
            finally:
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None
                pool.release(km, folder)

    WarmExecute.__module__ = __name__
    return WarmExecute


def _with_warm_execute(preprocessors: list) -> list:
    from nbgrader.preprocessors import Execute

    warm = warm_execute_class()
    swapped = [warm if p is Execute or p == "nbgrader.preprocessors.Execute" else p for p in preprocessors]
    if warm not in swapped:
        raise RuntimeError("nbgrader's autograde preprocessors do not include its Execute; "
                           "grading kernels cannot be started ahead")
    return swapped


@contextlib.contextmanager
def pooled(kernel_name: str, *, config=None, spare: int = 1):
    """Within the block, ``WarmExecute`` takes its kernels from a new :class:`KernelPool`."""
    global _ACTIVE
    if _ACTIVE is not None:
        raise RuntimeError("warm kernels are already in use in this process")
    pool = KernelPool(kernel_name, config=config, spare=spare)
    _ACTIVE = pool
    try:
        yield pool
    finally:
        _ACTIVE = None
        pool.close()


@contextlib.contextmanager
def warm_kernels(api, spare: int = 1):
    """Within the block, ``api.autograde`` runs each notebook on a kernel started one learner ahead.

    The kernelspec is the one ``api``'s configuration names for ``Execute``
    (``c.Execute.kernel_name``), or ``python3`` when none is named; a notebook
    that asks for another kernel is run the usual way.
    """
    from nbgrader.converters import Autograde
    from traitlets.config import Config

    kernel = api.config.get("Execute", {}).get("kernel_name") or "python3"
    configured = api.config.get("Autograde", {}).get("autograde_preprocessors")
    current = list(configured if configured is not None
                   else Autograde.class_traits()["autograde_preprocessors"].default())
    warm = _with_warm_execute(current)
    with pooled(kernel, config=api.config, spare=spare) as pool:
        api.update_config(Config({"Autograde": {"autograde_preprocessors": warm}}))
        try:
            yield pool
        finally:
            api.update_config(Config({"Autograde": {"autograde_preprocessors": current}}))
