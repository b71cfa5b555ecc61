"""Instructor tools on top of nbgrader: grading, reports, records, release."""
