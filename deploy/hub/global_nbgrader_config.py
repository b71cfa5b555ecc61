"""nbgrader settings shared by everyone on the clinic hub (learners, instructors, the grader).

``deploy/hub/setup_hub.py`` installs this file as ``jupyter/common/nbgrader_config.py``
in the hub's folder (default /srv/dncourse-hub), which every Jupyter server the hub
starts reads (JUPYTER_CONFIG_PATH, set in jupyterhub_config.py).  Follows nbgrader's
multi-course set-up: the exchange keeps each course in a folder of its own, and
the hub's groups say who is in which course.
"""

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

# The exchange: the folder through which quizzes go out and submissions come in,
# shared by every account on this server. setup_hub.py writes the folder it made here.
c.Exchange.root = "/srv/nbgrader/exchange"
# One folder per course in the exchange (several courses can share one hub).
c.Exchange.path_includes_course = True
# A learner sees the courses of their hub groups named "nbgrader-<course>" (and
# an instructor those of "formgrade-<course>"), and no other course.
c.Authenticator.plugin_class = JupyterHubAuthPlugin
