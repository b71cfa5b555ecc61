"""Where the course keeps what it has worked out once on this machine.

Two things are kept: notes of which data files passed their schema
(:mod:`dncourse.validated`) and pictures of the lessons' figures
(:mod:`dncourse.pictures`).  Both live in ``$DNCOURSE_CACHE_DIR``, by default
``$XDG_CACHE_HOME/dncourse`` or ``~/.cache/dncourse``.  An empty
``DNCOURSE_CACHE_DIR`` keeps nothing: every check runs and every figure is
drawn each time.  Deleting the folder is always safe.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_folder"]


def cache_folder() -> Path | None:
    """The course's cache folder, or None when keeping things is turned off."""
    folder = os.environ.get("DNCOURSE_CACHE_DIR")
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "dncourse")
    return Path(folder) if folder else None
