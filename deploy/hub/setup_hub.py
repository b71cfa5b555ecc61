"""Lay out the clinic hub's folders and settings (run once as root, and again after an update).

    python3 deploy/hub/setup_hub.py [--hub-root /srv/dncourse-hub]
                                    [--grader grader-dry-needling-safety]
                                    [--exchange /srv/nbgrader/exchange]

The grader account must exist first (``adduser --disabled-password grader-dry-needling-safety``).
What it makes (see docs/deploy.md):

* ``HUB_ROOT/state/`` (root only): the hub's database, cookie secret and proxy pid file;
* ``HUB_ROOT/jupyter/{common,learner,instructor,grader}/``: the Jupyter settings
  each kind of account gets (jupyterhub_config.py points their servers at them):
  ``common/nbgrader_config.py`` from ``global_nbgrader_config.py`` (with the
  exchange folder), and the learner, instructor and grader variants from the
  folders of the same names here (the learner's also gets the course's
  JupyterLab settings, ``jupyter/learner/lab-settings/overrides.json``);
* the exchange folder, writable by all with the sticky bit, and in it the
  course's ``inbound`` folder owned by the grader with the sticky bit too, so
  that no learner can rename or remove another learner's submission;
* the course folder ``~GRADER/dry-needling-safety`` (private to the grader), with
  the course's ``nbgrader_config.py`` and ``source/`` copied from this checkout
  when it does not exist yet (an existing course folder is never overwritten);
* the grader's ``~/.jupyter/nbgrader_config.py`` from ``nbgrader_config.py`` here.

Standard library only; it changes nothing outside the folders named above.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
COURSE = "dry-needling-safety"
KINDS = ("learner", "instructor", "grader")


class SetupError(Exception):
    """Something the person running the set-up must fix first (the message says what)."""


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    """Write ``text`` to ``path`` (its folders made, readable by all) with ``mode``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    """Give ``path`` and everything in it to ``uid``:``gid``."""
    os.chown(path, uid, gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def jupyter_settings(hub_root: Path, exchange: Path) -> list[Path]:
    """Write the Jupyter settings of every kind of account under ``hub_root/jupyter``; return the files."""
    top = hub_root / "jupyter"
    written = []
    common = (HERE / "global_nbgrader_config.py").read_text(encoding="utf-8")
    common, found = re.subn(r"^c\.Exchange\.root = .*$", f"c.Exchange.root = {str(exchange)!r}", common,
                            flags=re.MULTILINE)
    if found != 1:
        raise SetupError(f"{HERE / 'global_nbgrader_config.py'}: expected one line 'c.Exchange.root = ...'")
    _write(top / "common" / "nbgrader_config.py", common)
    written.append(top / "common" / "nbgrader_config.py")
    for kind in KINDS:
        for name in ("labconfig/page_config.json", "jupyter_server_config.json"):
            settings = json.loads((HERE / kind / name).read_text(encoding="utf-8"))
            if kind == "learner" and name == "jupyter_server_config.json":
                # The course's JupyterLab settings for learners (no delete-cell button or shortcuts).
                lab_settings = top / kind / "lab-settings"
                _write(lab_settings / "overrides.json",
                       (CHECKOUT / "jupyter" / "learner" / "lab-settings" / "overrides.json").read_text("utf-8"))
                written.append(lab_settings / "overrides.json")
                settings.setdefault("LabServerApp", {})["app_settings_dir"] = str(lab_settings)
            _write(top / kind / name, json.dumps(settings, indent=2) + "\n")
            written.append(top / kind / name)
    for folder in [top] + [p for p in top.rglob("*") if p.is_dir()]:
        folder.chmod(0o755)
    return written


def exchange_folders(exchange: Path, grader: pwd.struct_passwd) -> None:
    """The exchange (everyone may write, sticky) and the course's folders in it, owned by the grader."""
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)   # nbgrader asks for rwx for all; the sticky bit keeps people's entries their own
    course = exchange / COURSE
    for path, mode in ((course, 0o755), (course / "outbound", 0o755),
                       # write-only for learners (they cannot list it), setgid as nbgrader makes it,
                       # and sticky: nobody can rename or remove a submission that is not theirs
                       (course / "inbound", 0o3733)):
        path.mkdir(exist_ok=True)
        os.chown(path, grader.pw_uid, grader.pw_gid)
        path.chmod(mode)


def course_folder(grader: pwd.struct_passwd) -> tuple[Path, bool]:
    """The grader's course folder, made from this checkout if it does not exist; (path, made now)."""
    home = Path(grader.pw_dir)
    if not home.is_dir():
        raise SetupError(f"the grader account {grader.pw_name} has no home folder {home}")
    home.chmod(0o700)   # the course folder holds the answers and everyone's grades
    course = home / COURSE
    made = not course.exists()
    if made:
        course.mkdir(mode=0o700)
        shutil.copy2(CHECKOUT / "nbgrader_config.py", course / "nbgrader_config.py")
        shutil.copytree(CHECKOUT / "source", course / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        _chown_tree(course, grader.pw_uid, grader.pw_gid)
    config = home / ".jupyter" / "nbgrader_config.py"
    _write(config, (HERE / "nbgrader_config.py").read_text(encoding="utf-8"))
    _chown_tree(config.parent, grader.pw_uid, grader.pw_gid)
    return course, made


def setup(hub_root: Path, grader_name: str, exchange: Path) -> list[str]:
    """Make everything the hub needs; return what was done, one line each."""
    if os.geteuid() != 0:
        raise SetupError("run this as root: it makes folders for other accounts")
    try:
        grader = pwd.getpwnam(grader_name)
    except KeyError:
        raise SetupError(f"there is no account {grader_name!r}: make it first "
                         f"(adduser --disabled-password {grader_name})") from None
    done = []
    hub_root.mkdir(parents=True, exist_ok=True)
    hub_root.chmod(0o755)
    (hub_root / "state").mkdir(exist_ok=True)
    (hub_root / "state").chmod(0o700)
    done.append(f"hub state (root only): {hub_root / 'state'}")
    files = jupyter_settings(hub_root, exchange)
    done.append(f"Jupyter settings: {len(files)} files in {hub_root / 'jupyter'}")
    exchange_folders(exchange, grader)
    done.append(f"exchange: {exchange} (course folder {exchange / COURSE}, owned by {grader_name})")
    course, made = course_folder(grader)
    done.append(f"course folder: {course} " + ("(made from this checkout)" if made else "(kept as it was)"))
    done.append(f"grader's nbgrader settings: {Path(grader.pw_dir) / '.jupyter' / 'nbgrader_config.py'}")
    return done


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module's docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub-root", type=Path, default=Path("/srv/dncourse-hub"))
    parser.add_argument("--grader", default=f"grader-{COURSE}")
    parser.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"))
    args = parser.parse_args(argv)
    try:
        for line in setup(args.hub_root.resolve(), args.grader, args.exchange.resolve()):
            print(f"setup_hub: {line}")
    except SetupError as exc:
        print(f"setup_hub: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
