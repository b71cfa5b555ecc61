"""A throw-away PostgreSQL server, for parallel-grading tests and benchmarks.

``dncourse grade --workers N`` needs a gradebook that several processes can
write at once: a PostgreSQL database (see ``docs/instructor.md``).  An
instructor points ``c.CourseDirectory.db_url`` at their own server; the tests
and the benchmark start a private one with :class:`PostgresServer`, from
Debian's ``postgresql`` package (``make system-deps`` installs it):

* the data folder and the socket are in a new temporary folder;
* the server listens on that unix socket only (no TCP port at all);
* PostgreSQL refuses to run as root, so as root the server runs as the
  ``postgres`` user (or ``nobody``) through ``runuser``;
* :meth:`PostgresServer.stop` (or leaving the ``with`` block, or the end of
  the process) stops it and removes the folder.

    with PostgresServer() as server:
        url = server.create_database("gradebook")   # postgresql+psycopg2://...
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "PostgresMissing", "find_postgres_bin", "missing_reason", "INSTALL_HINT"]

INSTALL_HINT = ("install Debian's PostgreSQL with `make system-deps` (it reads debian-packages.txt; "
                "as root it runs `apt-get install postgresql`)")
_TOOLS = ("initdb", "pg_ctl", "postgres", "createdb")


class PostgresMissing(RuntimeError):
    """The PostgreSQL server programs are not installed here."""


def find_postgres_bin() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl``, ``postgres`` and ``createdb``, or None.

    ``DNCOURSE_PG_BIN`` wins; then PATH; then Debian's ``/usr/lib/postgresql/<version>/bin``
    (newest first), which is not on PATH.
    """
    candidates = []
    if os.environ.get("DNCOURSE_PG_BIN"):
        candidates.append(Path(os.environ["DNCOURSE_PG_BIN"]))
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                    key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
                    reverse=True)
    candidates += [Path(p) for p in debian]
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in _TOOLS):
            return folder
    return None


def missing_reason() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if find_postgres_bin() is None:
        return f"the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed: {INSTALL_HINT}"
    if os.getuid() == 0 and shutil.which("runuser") is None:
        return "running as root, and `runuser` (util-linux) is missing: PostgreSQL cannot run as root"
    return None


def _server_user() -> str | None:
    """As root, the unprivileged user that runs the server; otherwise None (this user)."""
    if os.getuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresMissing("running as root and there is neither a `postgres` nor a `nobody` user to run PostgreSQL")


def _temp_base(user: str | None) -> str:
    """Where the server's folder goes: the temporary folder, unless the socket path would be too long
    (unix sockets allow about 100 characters) or the server's user could not reach it; then /tmp."""
    base = Path(tempfile.gettempdir()).resolve()
    reachable = user is None or all(os.stat(p).st_mode & 0o001 for p in [base, *base.parents])
    return str(base) if reachable and len(str(base)) <= 60 else "/tmp"


class PostgresServer:
    """A private PostgreSQL server on a unix socket in a temporary folder."""

    ROLE = "dncourse"

    def __init__(self, port: int = 5432):
        # The port only names the socket file (.s.PGSQL.<port>); nothing listens on TCP.
        self.port = port
        self.bin: Path | None = None
        self.folder: Path | None = None
        self.user: str | None = None
        self.running = False

    # --- paths -------------------------------------------------------------------------

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder

    @property
    def log_path(self) -> Path:
        return self.folder / "postgres.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy address of ``database`` on this server (for ``c.CourseDirectory.db_url``)."""
        return f"postgresql+psycopg2://{self.ROLE}@/{database}?host={self.socket_dir}&port={self.port}"

    # --- running -------------------------------------------------------------------------

    def _run(self, tool: str, *args: str, as_server: bool = True, timeout: float = 120) -> str:
        cmd = [str(self.bin / tool), *args]
        if as_server and self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.folder,
                                stdin=subprocess.DEVNULL, timeout=timeout)
        if result.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}")
        return result.stdout

    def start(self) -> "PostgresServer":
        """Make a new cluster and start the server; wait until it accepts connections."""
        reason = missing_reason()
        if reason:
            raise PostgresMissing(reason)
        self.bin = find_postgres_bin()
        self.user = _server_user()
        self.folder = Path(tempfile.mkdtemp(prefix="dncourse-pg-", dir=_temp_base(self.user)))
        self.data.mkdir()
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.folder, self.data):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "-U", self.ROLE, "--auth=trust", "-E", "UTF8",
                      "--no-locale", "--no-sync")
            options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses=''"
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options,
                      "-w", "-t", "60", "start")
        except BaseException:
            self._cleanup()
            raise
        self.running = True
        atexit.register(self.stop)
        return self

    def create_database(self, name: str) -> str:
        """Create an empty database ``name``; return its SQLAlchemy address."""
        self._run("createdb", "-h", str(self.socket_dir), "-p", str(self.port), "-U", self.ROLE, name,
                  as_server=False)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder; safe to call twice."""
        if self.running:
            self.running = False
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
            except (RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self._cleanup()

    def _cleanup(self) -> None:
        if self.folder is not None and self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PostgresServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
