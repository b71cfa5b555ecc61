"""Grading integrity: verified scores, the tampering scan and the grading sandbox."""
