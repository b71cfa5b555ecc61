"""Read the exact pins from environment.yml (the single source of truth).

Usage: python tools/pins.py [environment.yml]   prints one requirement per line,
ready for `pip install -r`.  Standard library only, so it runs before anything
is installed.  The tests import `read_pins` to compare installed versions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^\s*-\s*([A-Za-z0-9_.\-\[\]]+)==([A-Za-z0-9_.\-+]+)\s*(#.*)?$")
PYTHON = re.compile(r"^\s*-\s*python\s*=\s*([0-9.]+)\s*$")


def read_pins(path: str | Path = "environment.yml") -> dict[str, str]:
    """Map each pip package pinned with == in the file to its version."""
    pins = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[match.group(1)] = match.group(2)
    if not pins:
        raise SystemExit(f"{path}: no pinned packages (name==version) found")
    return pins


def read_python(path: str | Path = "environment.yml") -> str:
    """The Python version the environment file asks for, such as '3.11'."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = PYTHON.match(line)
        if match:
            return match.group(1)
    raise SystemExit(f"{path}: no 'python=X.Y' line")


if __name__ == "__main__":
    for name, version in read_pins(sys.argv[1] if len(sys.argv) > 1 else "environment.yml").items():
        print(f"{name}=={version}")
