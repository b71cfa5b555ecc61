"""The installed versions are exactly the pins of environment.yml."""

import sys
from importlib.metadata import version

import pytest

from tests.support.course import ROOT
from tests.support.scripts import pins

PINS = pins().read_pins(ROOT / "environment.yml")


def test_the_required_pins_are_there():
    for name in ("jupyterlab", "notebook", "nbgrader", "ipywidgets", "jupyterlab_widgets", "matplotlib"):
        assert name in PINS
    assert PINS["nbgrader"] == "0.9.6"
    assert PINS["jupyterlab"].startswith("4.6.") and PINS["notebook"].startswith("7.6.")
    assert PINS["ipywidgets"].startswith("8.1.") and PINS["jupyterlab_widgets"].startswith("3.0.")
    assert PINS["matplotlib"].startswith("3.11.")


@pytest.mark.parametrize("name", sorted(PINS))
def test_installed_version_equals_pin(name):
    assert version(name) == PINS[name], f"{name} {version(name)} is installed but environment.yml pins {PINS[name]}"


def test_python_version_matches_environment_file():
    assert pins().read_python(ROOT / "environment.yml") == "3.11"
    assert sys.version_info[:2] == (3, 11)


def test_test_tools_are_not_in_what_learners_get():
    assert not {"pytest", "pytest-timeout"} & set(PINS)
