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
import tempfile
from pathlib import Path

__all__ = ["cache_folder", "write_in_cache"]


def cache_folder() -> Path | None:
    """The course's cache folder, or None when keeping things is turned off."""
    folder = os.environ.get("DNCOURSE_CACHE_DIR")
    if folder is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        folder = os.path.join(base, "dncourse")
    return Path(folder) if folder else None


def write_in_cache(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then renamed); False if impossible.

    Another kernel reading at the same moment sees the old file or the new
    one, never half of one.  Nothing is raised: a cache that cannot be
    written only means the work is done again next time.
    """
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem[:20]}-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
