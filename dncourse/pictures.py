"""Pictures of the course's figures, kept so a lesson shows them without drawing them again.

A lesson's figures are the same every time it opens: the same data, drawn by
the same code.  Drawing them needs matplotlib, which takes a kernel half a
second or more to import, and then about a tenth of a second per figure.  So
the SVG picture of every figure a course function draws is kept here, under
a key made of:

- the function's name and the arguments it was given (as JSON), and
- the identity of everything that decides how the picture looks: every
  source file and data file of the course package, the installed
  matplotlib, and any ``matplotlibrc`` file matplotlib would read.

Change any of those and the key changes, so the figure is drawn afresh; an
old picture can never stand in for a new one.  Figures drawn by functions
outside the course package, or from arguments that are not plain data, are
never kept.

Pictures live in the ``pictures`` folder of the course's cache folder (see
:mod:`dncourse.cache_folder`), one SVG file each, at most :data:`KEEP` of
them (the least recently used go first).  A missing, damaged or unwritable
folder only means that figures are drawn.  The same pictures are also kept in
memory for the kernel's life, so a widget that returns to an earlier choice
answers at once.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import json
import os
from pathlib import Path

from .cache_folder import cache_folder, write_in_cache

__all__ = ["FOLDER", "KEEP", "any_kept", "folder", "forget", "keep", "kept", "picture_key"]

FOLDER = "pictures"
KEEP = 400            # pictures kept on disk at most (a lesson opens with 1-3; widgets add what learners choose)
_IN_MEMORY = 32       # pictures kept in this process at most
_SVG_START = "<?xml"

_identity: str | None = None
_memory: collections.OrderedDict[str, str] = collections.OrderedDict()


def folder() -> Path | None:
    """The folder the pictures are kept in, or None when keeping is turned off."""
    base = cache_folder()
    return base / FOLDER if base else None


def any_kept() -> bool:
    """Whether any picture is kept on this machine (False on a machine where no lesson has run yet)."""
    where = folder()
    try:
        with os.scandir(where) as found:
            return any(entry.name.endswith(".svg") for entry in found)
    except (OSError, TypeError):
        return False


def _matplotlibrc_files() -> list[str]:
    """The places matplotlib looks for a ``matplotlibrc`` (see ``matplotlib.matplotlib_fname``)."""
    places = [os.path.join(os.getcwd(), "matplotlibrc")]
    rc = os.environ.get("MATPLOTLIBRC")
    if rc:
        places += [rc, os.path.join(rc, "matplotlibrc")]
    config = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"), "matplotlib")
    places.append(os.path.join(config, "matplotlibrc"))
    return places


def _current_identity(package: Path | None = None) -> str:
    """A digest of everything that decides how a course figure looks (see the module's docstring)."""
    package = Path(package) if package is not None else Path(__file__).resolve().parent
    digest = hashlib.sha256()
    files = sorted(package.glob("*.py")) + sorted(p for p in (package / "data").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    spec = importlib.util.find_spec("matplotlib")
    for place in ([spec.origin] if spec is not None and spec.origin else []) + _matplotlibrc_files():
        try:
            stat = os.stat(place)
        except OSError:
            continue
        digest.update(f"{place} {stat.st_mtime_ns} {stat.st_size}\0".encode())
    return digest.hexdigest()


def picture_key(draw, args: tuple = (), kwargs: dict | None = None) -> str | None:
    """The key of the picture ``draw(*args, **kwargs)`` draws, or None if it must not be kept.

    Arguments are matched to ``draw``'s parameters first, so ``plot(rows)``
    and ``plot(rows, title=None)`` share a picture when ``None`` is the default.
    """
    global _identity
    import inspect

    module = getattr(draw, "__module__", "") or ""
    if not module.startswith("dncourse."):
        return None
    try:
        bound = inspect.signature(draw).bind(*args, **(kwargs or {}))
        bound.apply_defaults()
        call = json.dumps([module, draw.__qualname__, bound.arguments], sort_keys=True, ensure_ascii=False,
                          allow_nan=True)
    except (TypeError, ValueError):
        return None
    if _identity is None:
        _identity = _current_identity()
    return hashlib.sha256(f"{_identity}\0{call}".encode()).hexdigest()


def kept(key: str) -> str | None:
    """The SVG kept under ``key``, or None."""
    svg = _memory.get(key)
    if svg is not None:
        _memory.move_to_end(key)
        return svg
    where = folder()
    if where is None:
        return None
    path = where / f"{key}.svg"
    try:
        svg = path.read_text(encoding="utf-8")
        os.utime(path)   # recently used: pruned last
    except (OSError, ValueError):
        return None
    if not svg.startswith(_SVG_START) or not svg.rstrip().endswith("</svg>"):
        return None      # cut short or damaged: drawn again
    _remember(key, svg)
    return svg


def keep(key: str, svg: str) -> None:
    """Keep ``svg`` under ``key``, in memory and in the cache folder."""
    _remember(key, svg)
    where = folder()
    if where is None:
        return
    if write_in_cache(where / f"{key}.svg", svg):
        _prune(where)
    # else nowhere to keep it: the figure is simply drawn next time


def _remember(key: str, svg: str) -> None:
    _memory[key] = svg
    _memory.move_to_end(key)
    while len(_memory) > _IN_MEMORY:
        _memory.popitem(last=False)


def _prune(where: Path) -> None:
    """Remove the least recently used pictures beyond :data:`KEEP`."""
    entries = []
    with os.scandir(where) as found:
        for entry in found:
            if entry.name.endswith(".svg"):
                try:
                    entries.append((entry.stat().st_mtime_ns, entry.path))
                except OSError:
                    continue
    for _mtime, path in sorted(entries)[:max(0, len(entries) - KEEP)]:
        try:
            os.unlink(path)
        except OSError:
            pass


def forget() -> None:
    """Drop this process's pictures and identity (the next question looks at the files again)."""
    global _identity
    _identity = None
    _memory.clear()
