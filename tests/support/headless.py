"""Running a notebook headless, as the tests and the benchmarks do.

nbclient waits for a kernel's reply with one long poll of its zmq socket,
and after a cell that draws widgets that poll sometimes misses a reply that
has already arrived, so the run stalls for the whole cell timeout
(jupyter/nbclient#312; about 2 minutes of lesson 02 in one run in two on
this machine).  :func:`notebook_client` gives a client whose channels poll in
short slices up to the same overall timeout: a waiting reply is found at
once, and what the kernel does and the time it takes are unchanged.
"""

from __future__ import annotations

SLICE_SECONDS = 0.1


def sliced(get_msg, slice_seconds: float = SLICE_SECONDS):
    """``get_msg`` that polls in slices of ``slice_seconds`` up to the same overall timeout."""
    import asyncio
    from queue import Empty

    async def get(timeout=None):
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            left = slice_seconds if deadline is None else min(slice_seconds, max(0.0, deadline - loop.time()))
            try:
                return await get_msg(timeout=left)
            except Empty:
                if deadline is not None and loop.time() >= deadline:
                    raise

    return get


def notebook_client(nb, **kwargs):
    """An ``nbclient.NotebookClient`` for ``nb`` whose channels poll in short slices."""
    from nbclient import NotebookClient

    class SlicedClient(NotebookClient):
        async def async_start_new_kernel_client(self):
            kc = await super().async_start_new_kernel_client()
            kc.shell_channel.get_msg = sliced(kc.shell_channel.get_msg)
            kc.iopub_channel.get_msg = sliced(kc.iopub_channel.get_msg)
            return kc

    return SlicedClient(nb, **kwargs)
