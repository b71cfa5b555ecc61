"""Tests of the deployment files in ``deploy/`` (the clinic hub), run for real."""
