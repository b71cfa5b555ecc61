"""The course's nbgrader settings for the clinic hub: where the course folder is.

``deploy/hub/setup_hub.py`` installs this file as the grader account's
``~/.jupyter/nbgrader_config.py`` (as nbgrader's multi-course demo does), so the
Formgrader service and every nbgrader or dncourse command the grader runs find
the course.  The course folder itself holds the course's own settings, the
``nbgrader_config.py`` at the top of this repository (header, footer, marking
and feedback settings), next to ``source/``.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

# The course id: the same in the hub's groups (nbgrader-<id>, formgrade-<id>) and service name.
c.CourseDirectory.course_id = "dry-needling-safety"
# The course folder, in the grader's home (private to the grader): source/ with the
# answers, release/, submitted/, autograded/, feedback/ and the gradebook.
c.CourseDirectory.root = os.path.join(os.path.expanduser("~"), "dry-needling-safety")

# Optional, for a course with several graders: keep the gradebook in PostgreSQL
# instead of the SQLite file gradebook.db in the course folder. Set it up as
# docs/instructor.md ("A PostgreSQL gradebook") says (the hub's environment then
# needs psycopg2-binary), and set it before the first grading: grades already in
# gradebook.db are not copied over. Not tested here.
# c.CourseDirectory.db_url = "postgresql+psycopg2://grader@localhost/dryneedling_gradebook"
