"""JupyterHub settings for a clinic: the dry needling course with nbgrader, on one server.

Follows nbgrader's documented multi-course set-up (its ``demo_multiple_classes``):

* every member of staff logs in with their own account on this server (one
  operating-system account per person: nbgrader takes a learner's id from it);
* the course has a grader account (``grader-dry-needling-safety``) that owns
  the course folder (``source/`` with the answers, the gradebook, the
  submissions) and runs the course's own Jupyter server as a hub *service*,
  which serves the Formgrader at ``/services/dry-needling-safety/formgrader``;
* the group ``formgrade-dry-needling-safety`` holds the instructors (they may
  open that service) and ``nbgrader-dry-needling-safety`` the learners (the
  Assignments tab shows them the course);
* learners' JupyterLab has the Assignments tab (fetch, Validate, submit, fetch
  feedback) and no Formgrader, Create Assignment or Courses, locked
  (``deploy/hub/learner/``).

Everything that differs between clinics is set at the top, from environment
variables with the defaults shown (or edit the defaults here).  Read
``docs/deploy.md`` first: it gives the commands that create the accounts, the
folders (``deploy/hub/setup_hub.py``) and the Python environment (``make
hub-deps``), and then start the hub::

    cd /srv/dncourse-hub/state && /opt/dncourse-hub/venv/bin/jupyterhub -f /path/to/course/deploy/hub/jupyterhub_config.py

The hub runs as root (it starts each person's server under their own account).
``tests/deploy/test_hub.py`` runs this file for real, with throw-away accounts.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub when it reads this file)

HERE = Path(__file__).resolve().parent


def _setting(name, default):
    """The environment variable ``name``, or ``default`` when it is unset or empty."""
    return os.environ.get(name) or default


def _names(name, default=""):
    """A comma-separated list of account names from the environment variable ``name``."""
    return [n.strip() for n in _setting(name, default).split(",") if n.strip()]


# --- What differs between clinics ----------------------------------------------
# The course id: the same as c.CourseDirectory.course_id in the course's nbgrader_config.py.
COURSE = "dry-needling-safety"
# Who marks (may open the Formgrader) and who learns: operating-system account names.
INSTRUCTORS = _names("DNCOURSE_HUB_INSTRUCTORS")
LEARNERS = _names("DNCOURSE_HUB_LEARNERS")
# The account that owns the course folder and runs the Formgrader service.
GRADER = _setting("DNCOURSE_HUB_GRADER", f"grader-{COURSE}")
# The course folder (made by setup_hub.py): in the grader's home, readable by the grader only.
COURSE_DIR = _setting("DNCOURSE_HUB_COURSE_DIR", f"/home/{GRADER}/{COURSE}")
# The hub's Python environment (`make hub-deps`), readable by every account.
VENV = Path(_setting("DNCOURSE_HUB_VENV", "/opt/dncourse-hub/venv"))
# The hub's folder (made by setup_hub.py): state/ (the hub's database and secret,
# root only), jupyter/ (the Jupyter settings of learners, instructors and the grader).
HUB_ROOT = Path(_setting("DNCOURSE_HUB_ROOT", "/srv/dncourse-hub"))
# Where the Formgrader service listens (on this machine only; the proxy forwards to it).
SERVICE_PORT = int(_setting("DNCOURSE_HUB_SERVICE_PORT", "9999"))
# How people log in: "pam" (their account's password on this server, the default),
# or "shared-password" (one password for all, for a trial only: DNCOURSE_HUB_SHARED_PASSWORD).
AUTHENTICATOR = _setting("DNCOURSE_HUB_AUTHENTICATOR", "pam")

# --- The hub itself ------------------------------------------------------------
c.JupyterHub.bind_url = _setting("DNCOURSE_HUB_BIND_URL", "http://:8000")
c.JupyterHub.db_url = f"sqlite:///{HUB_ROOT / 'state' / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_ROOT / "state" / "jupyterhub_cookie_secret")
# The proxy: configurable-http-proxy from npm (`make hub-deps` installs it here).
c.ConfigurableHTTPProxy.command = [str(HERE / "node" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(HUB_ROOT / "state" / "jupyterhub-proxy.pid")

# --- Logging in --------------------------------------------------------------------
if AUTHENTICATOR == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = os.environ["DNCOURSE_HUB_SHARED_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "pam"
# Only the people named above may log in. The grader account is a hub user too
# (in the instructors' group, below) but never logs in: being in the hub's
# database (from load_groups) does not let anyone log in.
c.Authenticator.allowed_users = set(INSTRUCTORS) | set(LEARNERS)
c.Authenticator.allow_existing_users = False
c.Authenticator.admin_users = set()

# --- Each person's own JupyterLab -----------------------------------------------
# LocalProcessSpawner (the default): each server runs under the person's own account,
# from the hub's environment, in their home folder.
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    # Learners' settings by default; instructors get theirs in pre_spawn_hook below.
    "JUPYTER_CONFIG_PATH": f"{HUB_ROOT / 'jupyter' / 'learner'}:{HUB_ROOT / 'jupyter' / 'common'}",
}
# What a person's server may do at the hub on their behalf: post activity, read
# their own groups (the Assignments tab asks which courses they are in) and, for
# instructors only (a server never gets more than its owner), see the course
# service (the Courses tab links to its Formgrader; nbgrader #1831).
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "read:users:groups!user",
    "list:services",
    f"read:services!service={COURSE}",
]


def pre_spawn_hook(spawner):
    """Give instructors the instructor's JupyterLab settings (Courses tab on) instead of the learners'."""
    if spawner.user.name in INSTRUCTORS:
        spawner.environment = dict(
            spawner.environment,
            JUPYTER_CONFIG_PATH=f"{HUB_ROOT / 'jupyter' / 'instructor'}:{HUB_ROOT / 'jupyter' / 'common'}")


c.Spawner.pre_spawn_hook = pre_spawn_hook

# --- Groups and what each may do ---------------------------------------------------
# nbgrader reads the course from these group names: they must start with
# "formgrade-" (instructors of the course) and "nbgrader-" (learners of the course).
# The grader account is in the instructors' group too: the Formgrader, running as
# the grader, asks the hub which courses its account is in (as in nbgrader's demo).
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": INSTRUCTORS + [GRADER]},
    f"nbgrader-{COURSE}": {"users": LEARNERS},
}
# Learners get no role beyond every user's own ("self"): the Assignments tab reads
# their own groups through their server (Spawner.server_token_scopes above).
c.JupyterHub.load_roles = [
    {
        # Instructors: open the course's Formgrader service, and see the service
        # in the hub's list (the Courses tab needs both: nbgrader #1831).
        "name": f"formgrade-{COURSE}",
        "groups": [f"formgrade-{COURSE}"],
        "scopes": [
            f"access:services!service={COURSE}",
            "list:services",
            f"read:services!service={COURSE}",
        ],
    },
    {
        # The course service: the Formgrader's "add student" puts the learner in the course's group.
        "name": f"service-{COURSE}",
        "services": [COURSE],
        "scopes": ["list:groups", f"read:groups!group=nbgrader-{COURSE}", f"groups!group=nbgrader-{COURSE}",
                   "read:users:groups"],
    },
]

# --- The course service: the Formgrader, run by the grader account ----------------
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [str(VENV / "bin" / "jupyterhub-singleuser")],
        "user": GRADER,
        "cwd": COURSE_DIR,
        "oauth_no_confirm": True,
        "environment": {
            "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            # The grader's settings: Formgrader and Create Assignment on, Assignments and Courses off.
            "JUPYTER_CONFIG_PATH": f"{HUB_ROOT / 'jupyter' / 'grader'}:{HUB_ROOT / 'jupyter' / 'common'}",
        },
    },
]
