"""Grading kernels started one learner ahead, through nbgrader's and jupyter_client's public APIs.

Autograding one submission is, in turn, starting a fresh kernel (its own
process) and nbgrader's work in the grading process (copying, checking and
converting the notebook, writing the gradebook).  :class:`KernelPool` starts
the next learner's kernel while nbgrader is busy with the learner before, so
both happen at once.  :class:`AheadExecute`, nbgrader's ``Execute``
preprocessor with one configurable trait more (``kernel_pool``), runs each
notebook on a kernel taken from the pool.

Every learner still gets a fresh kernel of the same kernelspec (the grading
sandbox, where available), used for their notebook only and then stopped.
Each kernel starts in a scratch folder of its own outside the course; before
the notebook runs, the learner's submitted files are copied there (symbolic
links stay links), so the notebook finds its files beside it as in nbgrader's
own run.  That folder is the only one a sandboxed kernel can write to.

Kernels are managed by jupyter_client's ``AsyncKernelManager`` with
:class:`PromptKernelClient`, the course's :class:`dncourse.runner.SlicedKernelClient`
(no wait for a reply can stall: jupyter/nbclient#312) whose readiness check
tells a live output subscription in a few milliseconds: a kernel started
ahead is ready when its notebook comes, and jupyter_client's own check
would wait 0.2 s for output that was sent before the subscription took hold.
A used kernel is killed at once and cleaned up when the next one is released.

The pool reaches the preprocessor through the nbgrader API's configuration,
for the duration of a ``with`` block only::

    with kernels_started_ahead(api):
        api.autograde(quiz, learner)   # for each learner
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import tempfile
import time
from collections import deque
from pathlib import Path
from queue import Empty

from jupyter_client import AsyncKernelManager, protocol_version_info
from jupyter_core.utils import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Instance
from traitlets.config import Config

from dncourse.runner import SlicedKernelClient, sliced_config

__all__ = ["AheadExecute", "KernelPool", "PromptKernelClient", "copy_submission", "kernels_started_ahead"]


class PromptKernelClient(SlicedKernelClient):
    """A sliced kernel client whose ``wait_for_ready`` checks the output subscription in short steps.

    Like jupyter_client's check, it asks for ``kernel_info`` until the reply
    has come on the shell channel and the kernel's output has been seen on the
    output (IOPub) channel, which proves the subscription is live; here each
    look at the output channel lasts :attr:`output_check_seconds`, not 0.2 s.
    A kernel of another protocol version gets jupyter_client's own check.
    """

    output_check_seconds = 0.02

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Return once the kernel has answered ``kernel_info`` and its output reaches this client."""
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                version = str(reply["content"].get("protocol_version", "0"))
                if int(version.split(".")[0]) != protocol_version_info[0]:
                    return await super().wait_for_ready(timeout=max(0.0, deadline - time.monotonic()))
                try:
                    await self.iopub_channel.get_msg(timeout=self.output_check_seconds)
                    return
                except Empty:
                    pass   # the subscription was not live yet: ask again
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class KernelPool:
    """Kernels of one kernelspec, each started before it is needed and used once.

    ``take()`` returns a started kernel manager and its scratch folder and
    starts the next kernel at once; ``release()`` stops a used kernel and
    removes its folder; ``close()`` (or leaving a ``with`` block) stops the
    spare kernels and removes every folder.
    """

    def __init__(self, kernel_name: str, *, config: Config | None = None, spare: int = 1,
                 env: dict | None = None, extra_arguments: list[str] | None = None):
        if spare < 1:
            raise ValueError("a kernel pool needs at least one spare kernel")
        if not kernel_name:
            raise ValueError("a kernel pool needs the name of a kernelspec")
        self.kernel_name = kernel_name
        self.config = sliced_config(config)
        self.config.merge(Config({"AsyncKernelManager": {"client_class": f"{__name__}.PromptKernelClient"}}))
        self.spare = spare
        self.env = env
        self.extra_arguments = list(extra_arguments or [])
        self.folder = Path(tempfile.mkdtemp(prefix="dncourse-grading-kernels-"))
        self.started = 0
        self._ready: deque = deque()
        self._stopping: deque = deque()

    def __deepcopy__(self, memo):
        """The pool itself: it is shared, never copied (traitlets copies configuration values)."""
        return self

    def __enter__(self) -> "KernelPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> tuple[AsyncKernelManager, Path]:
        """Start one kernel in a new scratch folder; it boots in its own process while we go on."""
        folder = self.folder / f"kernel-{self.started:05d}"
        folder.mkdir()
        km = AsyncKernelManager(kernel_name=self.kernel_name, config=self.config)
        extra = list(self.extra_arguments)
        if km.ipykernel and not any(a.startswith("--HistoryManager.hist_file") for a in extra):
            extra.append("--HistoryManager.hist_file=:memory:")   # as nbclient starts a Python kernel
        options = {"env": self.env} if self.env is not None else {}
        try:
            run_sync(km.start_kernel)(cwd=str(folder), extra_arguments=extra, **options)
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.started += 1
        return km, folder

    def fill(self) -> None:
        """Start kernels until ``spare`` of them are waiting."""
        while len(self._ready) < self.spare:
            self._ready.append(self._start())

    def waiting(self) -> list[AsyncKernelManager]:
        """The kernel managers of the kernels started and not yet taken."""
        return [km for km, _folder in self._ready]

    def take(self) -> tuple[AsyncKernelManager, Path]:
        """A started kernel manager and its scratch folder; the next kernel starts now."""
        if not self._ready:
            self._ready.append(self._start())
        taken = self._ready.popleft()
        self.fill()
        return taken

    def release(self, km: AsyncKernelManager, folder: Path) -> None:
        """Stop a kernel that has done its work and remove its folder.

        It is killed at once (it has nothing to save); its manager is shut
        down, and its folder removed, at the next release or at ``close()``,
        when the process is surely gone, so nobody waits for it to exit.
        """
        self._finish_stopping()
        self._stopping.append((km, folder))
        try:
            if run_sync(km.is_alive)():
                run_sync(km.signal_kernel)(signal.SIGKILL)
        except Exception:   # not signalled: _finish_stopping shuts it down the usual way
            self._finish_stopping()

    def _finish_stopping(self) -> None:
        """Shut down the managers of released kernels and remove their folders."""
        while self._stopping:
            km, folder = self._stopping.popleft()
            try:
                if run_sync(km.is_alive)():
                    run_sync(km.shutdown_kernel)(now=True)
                else:   # ended (killed, or stopped by the learner's code): free its ports and files
                    run_sync(km.cleanup_resources)()
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Stop every kernel still running and remove every folder."""
        try:
            while self._ready:
                self._stopping.append(self._ready.popleft())
            self._finish_stopping()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def copy_submission(source: Path, target: Path) -> None:
    """Copy the files of a submission folder into ``target`` (links stay links: nothing is followed)."""
    source = Path(source)
    if not source.is_dir():
        return
    for item in source.iterdir():
        if item.is_symlink() or not item.is_dir():
            shutil.copy2(item, target / item.name, follow_symlinks=False)
        else:
            shutil.copytree(item, target / item.name, symlinks=True, dirs_exist_ok=True)


class AheadExecute(Execute):
    """nbgrader's ``Execute``, run on a kernel taken from ``kernel_pool`` when one is set.

    The notebook's folder (``resources["metadata"]["path"]``, the learner's
    autograded folder) is copied beside the kernel first.  Without a pool, or
    for a notebook that asks for another kernel than the pool's, it is
    nbgrader's ``Execute`` unchanged.  Its other settings are ``Execute``'s
    (``c.Execute.timeout`` and so on apply).
    """

    kernel_pool = Instance(KernelPool, allow_none=True, default_value=None,
                           help="Kernels started ahead to run notebooks on (set for one grading run)."
                           ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        """Run ``nb`` on the next kernel of the pool (see the class's description)."""
        pool = self.kernel_pool
        wanted = self.kernel_name or (nb.metadata.get("kernelspec") or {}).get("name") or ""
        if pool is None or km is not None or wanted != pool.kernel_name:
            return super().preprocess(nb, resources, km)
        km, folder = pool.take()
        try:
            path = ((resources or {}).get("metadata") or {}).get("path")
            if path:
                copy_submission(Path(path), folder)
            return super().preprocess(nb, resources, km)
        finally:
            if self.kc is not None:   # nbclient leaves the client of a kernel it does not own open
                self.kc.stop_channels()
                self.kc = None
            pool.release(km, folder)


def _with_ahead_execute(preprocessors: list) -> list:
    """``preprocessors`` with nbgrader's ``Execute`` replaced by :class:`AheadExecute`."""
    swapped = [AheadExecute if p is Execute or p == "nbgrader.preprocessors.Execute" else p
               for p in preprocessors]
    if AheadExecute not in swapped:
        raise RuntimeError("nbgrader's autograde preprocessors do not include its Execute; "
                           "grading kernels cannot be started ahead")
    return swapped


@contextlib.contextmanager
def kernels_started_ahead(api, spare: int = 1):
    """Within the block, ``api.autograde`` runs each notebook on a kernel started one learner ahead.

    The kernelspec is the one ``api``'s configuration names for ``Execute``
    (``c.Execute.kernel_name``), or ``python3`` when none is named.  The
    API's ``Autograde.autograde_preprocessors`` and ``AheadExecute.kernel_pool``
    are set for the block and put back afterwards; the pool's kernels are
    stopped and its folders removed.
    """
    from nbgrader.converters import Autograde

    execute = api.config.get("Execute", {})
    kernel = execute.get("kernel_name") or "python3"
    configured = api.config.get("Autograde", {}).get("autograde_preprocessors")
    current = list(configured if configured is not None
                   else Autograde.class_traits()["autograde_preprocessors"].default())
    ahead = _with_ahead_execute(current)
    env = dict(os.environ, NBGRADER_EXECUTION="autograde")   # what nbgrader sets while it autogrades
    with KernelPool(kernel, config=api.config, spare=spare, env=env,
                    extra_arguments=list(execute.get("extra_arguments") or [])) as pool:
        pool.fill()   # the first learner's kernel boots while nbgrader prepares their notebook
        api.update_config(Config({"Autograde": {"autograde_preprocessors": ahead},
                                  "AheadExecute": {"kernel_pool": pool}}))
        try:
            yield pool
        finally:
            api.update_config(Config({"Autograde": {"autograde_preprocessors": current},
                                      "AheadExecute": {"kernel_pool": None}}))
