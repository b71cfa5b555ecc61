"""Run grading kernels in a bubblewrap sandbox where the platform allows it.

nbgrader runs the hidden tests in the same Python process as the learner's
code, and that process runs with the grader's file permissions.  On Linux with
bubblewrap (``bwrap``, Debian package ``bubblewrap``) each grading kernel gets
a private view of the file system: everything is read-only, the course folder
(sources with answers, gradebook, other learners' work) is replaced by an
empty folder, and only the kernel's own working directory is writable.  The
Python environment and the course package are mounted back read-only so the
notebook can still import them.

:func:`sandbox_kernelspec` writes a kernelspec that starts the kernel this way
and gives its name for the duration of a ``with`` block, or None when
bubblewrap cannot be used here; grading then runs unsandboxed and says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["KERNEL_NAME", "sandbox_available", "sandbox_kernelspec"]

KERNEL_NAME = "dncourse-sandbox"

_LAUNCH = r"""#!/bin/sh
# Start an IPython kernel for grading inside bubblewrap (see dncourse/instructor/integrity/sandbox.py).
# $1 is the kernel's connection file; any further arguments are the kernel's own options
# (from the grader's configuration, e.g. its log level).  The working directory is the notebook's.
# No PID namespace: ipykernel shuts down when it cannot see its parent process.
set -eu
conn="$1"
shift
options=$#   # the kernel's options stay at the front of "$@" until the command is complete
set -- "$@" --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp
old_ifs=$IFS; IFS=:
for path in $DNCOURSE_HIDE; do [ -n "$path" ] && set -- "$@" --tmpfs "$path"; done
for path in $DNCOURSE_READONLY; do [ -n "$path" ] && set -- "$@" --ro-bind "$path" "$path"; done
IFS=$old_ifs
set -- "$@" --bind "$conn" "$conn" --bind "$PWD" "$PWD" --chdir "$PWD" \
    --setenv MPLCONFIGDIR /tmp/matplotlib --setenv HOME /tmp \
    --unshare-ipc --unshare-uts --die-with-parent --new-session \
    "$DNCOURSE_PYTHON" -m ipykernel_launcher -f "$conn"
while [ "$options" -gt 0 ]; do   # move the kernel's options to the end, after the command
    set -- "$@" "$1"
    shift
    options=$((options - 1))
done
exec bwrap "$@"
"""


def sandbox_available() -> bool:
    """Whether bubblewrap is installed and can make a sandbox on this machine."""
    bwrap = shutil.which("bwrap")
    if not bwrap or not sys.platform.startswith("linux"):
        return False
    try:
        probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                "--unshare-pid", "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _hidden_paths(course_root: Path) -> list[Path]:
    """Folders whose contents the learner's code must not see: the course and the package's repo."""
    from dncourse.instructor.release import COURSE_ROOT

    hidden = {Path(course_root).resolve()}
    if (COURSE_ROOT / "source").exists():
        hidden.add(COURSE_ROOT.resolve())
    return sorted(hidden)


@contextlib.contextmanager
def sandbox_kernelspec(course_root: Path):
    """Within the block, a sandboxed kernelspec for grading ``course_root``: its name, or None.

    The kernelspec is written to a temporary folder that is put first on
    ``JUPYTER_PATH`` (for this process and the kernels it starts) for the
    block only; afterwards JUPYTER_PATH is as it was and the folder is gone.
    """
    if not sandbox_available():
        yield None
        return
    import dncourse

    package = Path(dncourse.__file__).resolve().parent
    readonly = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), package}
    hidden = _hidden_paths(course_root)
    # Keep only read-only mounts inside a hidden folder: the rest is visible (read-only) anyway.
    readonly = sorted(p for p in readonly if any(h == p or h in p.parents for h in hidden))
    top = Path(tempfile.mkdtemp(prefix="dncourse-kernels-"))
    folder = top / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    launcher = folder / "launch.sh"
    launcher.write_text(_LAUNCH, encoding="utf-8")
    launcher.chmod(0o755)
    spec = {
        "argv": ["/bin/sh", str(launcher), "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        "env": {
            "DNCOURSE_HIDE": ":".join(str(p) for p in hidden),
            "DNCOURSE_READONLY": ":".join(str(p) for p in readonly),
            "DNCOURSE_PYTHON": sys.executable,
        },
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    before = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(top)] + ([before] if before else []))
    try:
        yield KERNEL_NAME
    finally:
        if before is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = before
        shutil.rmtree(top, ignore_errors=True)
