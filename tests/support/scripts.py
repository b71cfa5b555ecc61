"""The course's stand-alone scripts (``tools/``, ``jupyter/``), loaded as modules by their file path.

These scripts are not in a package and are not on ``sys.path``; the tests
load them from their files so that nothing in ``sys.path`` changes.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from tests.support.course import ROOT


@lru_cache(maxsize=None)
def load_script(relative: str) -> ModuleType:
    """The script at ``ROOT / relative`` (e.g. ``"tools/pins.py"``) loaded as a module of its own."""
    path = ROOT / relative
    if not path.is_file():
        raise FileNotFoundError(f"no script {relative} in the course at {ROOT}")
    name = "course_script_" + Path(relative).with_suffix("").as_posix().replace("/", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins() -> ModuleType:
    """``tools/pins.py``: reads the pinned versions and the Python version from environment.yml."""
    return load_script("tools/pins.py")


def learner_settings() -> ModuleType:
    """``jupyter/install_learner_settings.py``: installs the learner configuration into an environment."""
    return load_script("jupyter/install_learner_settings.py")
