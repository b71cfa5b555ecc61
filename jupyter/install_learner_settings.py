"""Install the course's learner configuration into a Python environment.

Binder's ``postBuild`` runs this once, after the course package is installed::

    python jupyter/install_learner_settings.py            # into sys.prefix
    python jupyter/install_learner_settings.py --prefix P # into another environment

It copies the files of ``jupyter/learner/`` (the same files ``make lab`` uses
directly) to where JupyterLab and Jupyter Server read them in that
environment, merging them with whatever is already there:

* ``labconfig/page_config.json`` -> ``PREFIX/etc/jupyter/labconfig/page_config.json``:
  nbgrader's Formgrader, Create Assignment, Courses, Assignments and its menu
  disabled, and these and Validate locked (a learner cannot switch them back
  on from the Extension Manager);
* ``jupyter_server_config.json`` -> ``PREFIX/etc/jupyter/jupyter_server_config.json``:
  the matching server extensions off (so ``/formgrader`` answers 404), the
  Validate server extension on, no news feed and no update check;
* ``lab-settings/overrides.json`` -> ``PREFIX/share/jupyter/lab/settings/overrides.json``:
  the course's JupyterLab settings (no news pop-up; no delete button in the
  cell toolbar; no shortcuts that delete, cut, merge, split, paste or change
  the type of a cell).

``--only NAME`` installs one of these files.  ``make lab`` reads them in place.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LEARNER = HERE / "learner"

# source (in jupyter/learner) -> destination (relative to the environment's prefix)
FILES = {
    "labconfig/page_config.json": "etc/jupyter/labconfig/page_config.json",
    "jupyter_server_config.json": "etc/jupyter/jupyter_server_config.json",
    "lab-settings/overrides.json": "share/jupyter/lab/settings/overrides.json",
}


def merge(base: dict, extra: dict) -> dict:
    """``base`` updated with ``extra``, recursively for nested objects."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def install(prefix: Path, only: str | None = None) -> list[Path]:
    """Write the learner configuration (or only the file ``only``) into ``prefix``; return the files written."""
    if only is not None and only not in FILES:
        raise SystemExit(f"no learner configuration file {only!r}; the files are: {', '.join(FILES)}")
    written = []
    for source, destination in FILES.items():
        if only is not None and source != only:
            continue
        target = prefix / destination
        ours = json.loads((LEARNER / source).read_text(encoding="utf-8"))
        theirs = json.loads(target.read_text(encoding="utf-8")) if target.exists() and target.stat().st_size else {}
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(merge(theirs, ours), indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix),
                        help="the Python environment to configure (default: this Python's sys.prefix)")
    parser.add_argument("--only", choices=sorted(FILES), help="install only this file")
    args = parser.parse_args(argv)
    for path in install(args.prefix, args.only):
        print(f"learner configuration: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
