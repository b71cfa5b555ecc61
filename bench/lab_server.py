"""A JupyterLab server in the course's learner configuration, and the Chromium that drives it.

Used by the browser benchmark (``bench/browser.py``) and, through
``tests/support/jlab.py``, by the browser tests and ``tests/test_binder.py``:

* :class:`JupyterServer` starts ``jupyter lab`` on 127.0.0.1 with a random port
  and token, in isolated config, data, runtime, settings and workspace folders,
  in the course's *learner* configuration (``jupyter/learner``).
* :func:`make_course_root` copies what a learner opens into a throw-away folder.
* :data:`CHROMIUM` and :data:`CHROMIUM_ARGS` say which Chromium Playwright
  launches and how (Debian's ``/usr/bin/chromium``, headless, no sandbox, so it
  runs as root too); :func:`missing_reason` says why a browser run cannot
  happen on this machine.

JupyterLab is started with ``expose_app_in_browser`` so that the page can be
read (the kernel's status, the notebook's outputs); see ``bench/lab_page.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEARNER_CONFIG = ROOT / "jupyter" / "learner"
LEARNER_LAB_SETTINGS = LEARNER_CONFIG / "lab-settings"

CHROMIUM = os.environ.get("DNCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_HINT = ("install Debian's Chromium with `make browser-deps` (as root it runs "
                "`apt-get install -y chromium`; otherwise run `sudo apt-get install chromium`), "
                "or set DNCOURSE_CHROMIUM to a Chromium binary")

# The nbgrader authoring tools that the learner configuration switches off.
LEARNER_DISABLED_SERVER_EXTENSIONS = ("formgrader", "course_list", "assignment_list")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class JupyterServer:
    """A ``jupyter lab`` process serving ``root`` in the learner configuration.

    ``workdir`` holds the isolated Jupyter folders and the server's log.
    ``extra_env`` is added to the environment (for example a different
    ``JUPYTER_CONFIG_PATH``); ``learner=False`` leaves out the course's
    learner configuration (the instructor's view).
    """

    root: Path
    workdir: Path
    learner: bool = True
    extra_env: dict = field(default_factory=dict)
    extra_args: list = field(default_factory=list)
    python: str = sys.executable
    port: int = 0
    token: str = ""
    process: subprocess.Popen | None = None

    def environment(self) -> dict:
        """The server's environment: this one without Jupyter settings, isolated folders, the learner config."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("JUPYTER", "JPY_")) and k not in ("MPLBACKEND", "IPYTHONDIR")}
        folders = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                   "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "user-settings",
                   "JUPYTERLAB_WORKSPACES_DIR": "workspaces", "IPYTHONDIR": "ipython"}
        for name, sub in folders.items():
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
            env[name] = str(self.workdir / sub)
        env["PATH"] = str(Path(self.python).parent) + os.pathsep + env.get("PATH", "")
        if self.learner:
            env["JUPYTER_CONFIG_PATH"] = str(LEARNER_CONFIG)
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        """The ``jupyter lab`` command line."""
        cmd = [self.python, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True"]
        if self.learner:
            cmd.append(f"--LabServerApp.app_settings_dir={LEARNER_LAB_SETTINGS}")
        if os.getuid() == 0:
            cmd.append("--allow-root")
        return cmd + list(self.extra_args)

    @property
    def base(self) -> str:
        """The server's address, without a path."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The file the server writes its log to."""
        return self.workdir / "jupyter-server.log"

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 120) -> "JupyterServer":
        """Start the server and wait until it answers (RuntimeError with its log if it does not)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.token = self.token or os.urandom(24).hex()
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command(), cwd=self.root, env=self.environment(),
                                        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab stopped with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.request("/api/status")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def request(self, path: str, data: bytes | None = None, method: str | None = None) -> tuple[int, bytes]:
        """``(status, body)`` of a request to the server with the token."""
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def stop(self) -> None:
        """Stop the server (and the kernels it started: they are in its process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        self.process = None

    def url(self, path: str, ui: str = "lab") -> str:
        """The address that opens ``path`` (relative to the root) in JupyterLab or Notebook 7."""
        if ui == "lab":
            return f"{self.base}/lab/tree/{path}?reset&token={self.token}"
        return f"{self.base}/notebooks/{path}?token={self.token}"


def make_course_root(target: Path) -> Path:
    """A throw-away copy of what a learner opens: the lessons, the released quizzes and the config.

    The server runs here, never in the checkout, so Run All and autosave can
    never write outputs into the committed notebooks.
    """
    target.mkdir(parents=True, exist_ok=True)
    for folder in ("notebooks", "release"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, target / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"), dirs_exist_ok=True)
    for name in ("nbgrader_config.py",):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, target / name)
    return target


def missing_reason() -> str | None:
    """Why JupyterLab cannot be driven in Chromium on this machine (a sentence with the fix), or None."""
    import importlib.util

    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM}: {INSTALL_HINT}"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is missing (requirements-test.txt; `make test` installs it)"
    return None
