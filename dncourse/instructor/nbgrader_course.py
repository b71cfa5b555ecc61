"""Open an nbgrader course from Python, in this process.

Starting nbgrader costs seconds, so the instructor tools and the tests open a
course once with :func:`open_course` and call nbgrader's Python API
(``NbGraderAPI``) for every learner, instead of one ``nbgrader`` process each.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["load_config", "open_course", "ensure_tools_on_path"]


def ensure_tools_on_path() -> None:
    """Put this Python's ``bin/`` first on PATH.

    nbgrader runs ``alembic`` (to create a gradebook) and kernels as
    subprocesses; from a virtual environment that is not activated they would
    not be found ("No such file: 'alembic'").
    """
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bindir:
        os.environ["PATH"] = os.pathsep.join([bindir] + [p for p in parts if p != bindir])


def load_config(root: Path):
    """Read ``nbgrader_config.py`` in ``root`` and point the course directory at ``root``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(root).resolve()
    config = Config()
    if (root / "nbgrader_config.py").exists():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return config


def open_course(root: Path, **overrides):
    """An ``NbGraderAPI`` for the course in ``root``; ``overrides`` are extra config sections.

    Example: ``open_course(root, Exchange={"root": "/tmp/exchange"})``.
    """
    ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root)
    for section, values in overrides.items():
        for key, value in values.items():
            setattr(config[section], key, value)
    coursedir = CourseDirectory(config=config)
    return NbGraderAPI(coursedir=coursedir, config=config)
