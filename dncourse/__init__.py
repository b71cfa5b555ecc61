"""Dry Needling: Benefits and Safety - the course package.

Lessons, quizzes, tests and instructor tools share this package.  Importing it
is cheap and has no side effects: submodules (answers, loader, figures, the
widgets) are imported where they are used, and matplotlib, ipywidgets and
nbgrader load only when a function that needs them is called.
"""

__version__ = "0.2.0"
