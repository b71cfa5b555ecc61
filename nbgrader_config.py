"""nbgrader settings for the course "Dry Needling: Benefits and Safety".

Instructors: run every nbgrader command from the folder that holds this file.
Each setting below says what it does; the instructor guide (docs/instructor.md) shows
the commands that use them.
"""

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

# --- The course -------------------------------------------------------------
# The id learners see in the Assignments tab and that the exchange uses.
c.CourseDirectory.course_id = "dry-needling-safety"

# --- What learners get (nbgrader generate_assignment) ----------------------
# Every quiz starts with the same header (name field, "Restart and Run All
# before you submit", clinical disclaimer) and ends with the same
# "how to submit" footer, kept in one place each.
c.IncludeHeaderFooter.header = "source/header.ipynb"
c.IncludeHeaderFooter.footer = "source/footer.ipynb"

# Answer cells are written as "answer_1_2 = ..." followed by the solution.
# The solution is replaced by nothing, so a learner sees only
# "answer_1_2 = ..." (no "raise NotImplementedError").
c.ClearSolutions.code_stub = {"python": ""}
# What a learner sees in a written-answer cell before answering.
c.ClearSolutions.text_stub = "Type your answer here."

# --- Marking (nbgrader autograde) ------------------------------------------
# If a learner deletes a test or answer cell, put it back from source/ so the
# question is still marked (it then scores 0 unless the answer is there).
c.OverwriteCells.add_missing_cells = True
# Seconds a single cell may run before it is stopped (an endless loop in a
# submission must not hold up the rest of the cohort).
c.Execute.timeout = 30
# Keep runaway output from bloating notebooks and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40
# Files bigger than this (in kilobytes) are not copied when collecting or
# releasing; a quiz notebook is far smaller.
c.CourseDirectory.max_file_size = 2000

# --- Submitting through the nbgrader exchange ------------------------------
# Refuse a submission that is missing a quiz notebook (for example one the
# learner renamed), instead of accepting it silently.
c.ExchangeSubmit.strict = True

# --- Collecting uploads from an LMS or e-mail (nbgrader zip_collect) -------
# Put the downloaded files (or the LMS's zip) in downloaded/<quiz>/archive/,
# then run `nbgrader zip_collect <quiz>`. The pattern below reads the file
# names of a Canvas "Download submissions" export:
#     smithjane_12345_67890_s01-what-is-dry-needling.ipynb
#     smithjane_late_12345_67890_s01-what-is-dry-needling-1.ipynb  (late, resubmitted)
# and uses the name part ("smithjane") as the learner's id. For another LMS,
# change the pattern (nbgrader matches it against the file's full path): it must
# capture (?P<student_id>...) and (?P<file_id>...),
# the notebook's file name without any "-1" that the LMS adds. For example,
# Moodle names files "Jane Smith_1234_assignsubmission_file_<file>":
#     r"^(?:.*/)?(?P<student_id>[^_/]+)_\d+_assignsubmission_file_(?P<file_id>.+?)(?:-\d+)?\.ipynb$"
c.ZipCollectApp.collector_plugin = "nbgrader.plugins.FileNameCollectorPlugin"
c.FileNameCollectorPlugin.named_regexp = (
    r"^(?:.*/)?(?P<student_id>[a-z0-9]+)_(?:late_)?\d+_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)

# --- Feedback (nbgrader generate_feedback) ---------------------------------
# Feedback is made from the autograded notebook, which contains the hidden
# tests, the marking guidance and the tracebacks of failed checks. Remove all
# three before learners see it: hidden test code, mark schemes, and error
# messages that would quote the failing line (and so the right answer).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, GetGrades  # noqa: E402

from dncourse.instructor.feedback import RedactTestOutputs  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    ClearHiddenTests,
    ClearMarkScheme,
    RedactTestOutputs,
    CSSHTMLHeaderPreprocessor,
]
