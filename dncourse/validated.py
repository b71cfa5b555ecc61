"""Notes of which data files have passed their schema on this machine, so a kernel need not check them again.

Checking a table against its JSON Schema needs jsonschema, which takes a
tenth of a second or more to import in every lesson kernel, although the
tables are the same from one lesson to the next.  When a data file and its
schema pass, the loader notes the SHA-256 of both here; loading the same
bytes again skips the schema check.  Every other check of the loader (the
file's form, numbers, unique ids, citation keys) runs on every load.

Nothing here can let a bad file through: a pair of files is noted only after
it passed, a changed byte in either gives a different note, and a change to
the loader's code or to the installed jsonschema voids all notes.

The notes are one small JSON file, ``validated-data.json``, in
``$DNCOURSE_CACHE_DIR`` (default: ``$XDG_CACHE_HOME/dncourse``, or
``~/.cache/dncourse``); ``DNCOURSE_CACHE_DIR=""`` turns them off.  A missing,
damaged, unreadable or unwritable file only means that the check runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .cache_folder import cache_folder, write_in_cache

__all__ = ["FILE_NAME", "cache_file", "forget", "note", "passed"]

FILE_NAME = "validated-data.json"
_KEEP = 2000  # notes kept at most; the course has about 40 data files

_identity: str | None = None
_notes: set[str] | None = None


def cache_file() -> Path | None:
    """Where the notes are kept, or None when they are turned off (see :mod:`dncourse.cache_folder`)."""
    folder = cache_folder()
    return folder / FILE_NAME if folder else None


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _current_identity() -> str:
    """The loader's code, this module's and the installed jsonschema: a change to any voids every note."""
    import importlib.util

    here = Path(__file__).resolve()
    parts = [here.read_bytes(), here.with_name("loader.py").read_bytes()]
    spec = importlib.util.find_spec("jsonschema")
    if spec is not None and spec.origin:
        stat = os.stat(spec.origin)
        parts.append(f"{spec.origin} {stat.st_mtime_ns} {stat.st_size}".encode())
    return _digest(b"\0".join(parts))


def _read(path: Path, identity: str) -> set[str]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("identity") != identity:
            return set()
        return {key for key in saved.get("passed", []) if isinstance(key, str)}
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def _known() -> set[str]:
    global _identity, _notes
    if _notes is None:
        _identity = _current_identity()
        path = cache_file()
        _notes = _read(path, _identity) if path else set()
    return _notes


def _key(schema: bytes, data: bytes) -> str:
    return f"{_digest(schema)}:{_digest(data)}"


def passed(schema: bytes, data: bytes) -> bool:
    """Whether these exact bytes of a data file passed this exact schema here before."""
    return _key(schema, data) in _known()


def note(schema: bytes, data: bytes) -> None:
    """Note that ``data`` passed ``schema`` (call only after it did)."""
    known = _known()
    key = _key(schema, data)
    if key in known:
        return
    known.add(key)
    path = cache_file()
    if path is None:
        return
    merged = sorted(_read(path, _identity) | known)[-_KEEP:]  # other kernels may have noted files too
    write_in_cache(path, json.dumps({"identity": _identity, "passed": merged}))
    # (nowhere to keep notes: the check simply runs next time)


def forget() -> None:
    """Drop this process's copy of the notes (the next question reads the file again)."""
    global _identity, _notes
    _identity = _notes = None
