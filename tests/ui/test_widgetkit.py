"""The course's widgets share frozen Layout and style objects (dncourse/ui/widgetkit.py).

Each Layout or style object is a widget model the browser must build; sharing
identical ones cut the lessons' widget models by more than half.  These tests
check the sharing, that a shared look cannot be changed by accident, and that
every widget a lesson shows is built this way.
"""

from __future__ import annotations

import ipywidgets
import pytest

from dncourse.ui.widgetkit import SharedLookError, kit, make, shared_look
from tests.support.lessons import LESSONS, lesson_id, run_lesson, walk


def test_same_settings_share_one_look_and_different_settings_do_not():
    a, b = kit.HTML("a"), kit.HTML("b")
    assert a.layout is b.layout and a.style is b.style
    wide = kit.HTML("c", layout={"width": "auto"})
    assert wide.layout is not a.layout and wide.layout.width == "auto"
    assert kit.Button(description="x", layout=kit.Layout(width="auto")).layout is wide.layout
    assert kit.Button(description="y").style is not a.style   # a ButtonStyle is not an HTMLStyle
    styled = kit.Dropdown(options=["a"], style={"description_width": "initial"})
    assert styled.style is kit.RadioButtons(options=["b"], style={"description_width": "initial"}).style
    assert styled.style.description_width == "initial"


def test_a_shared_look_cannot_change_but_the_widget_can():
    button = kit.Button(description="Check", layout={"width": "70px"})
    with pytest.raises(SharedLookError, match="shared by several widgets.*'width'"):
        button.layout.width = "10px"
    with pytest.raises(SharedLookError, match="'button_color'"):
        button.style.button_color = "red"
    assert button.layout.width == "70px"
    button.description, button.disabled, button.button_style = "Checked", True, "success"
    assert (button.description, button.disabled, button.button_style) == ("Checked", True, "success")


def test_a_look_of_its_own_is_kept_and_can_change():
    own = ipywidgets.Layout(width="auto")
    html = kit.HTML("x", layout=own)
    assert html.layout is own
    html.layout.width = "50%"
    assert own.width == "50%"


def test_a_closed_look_is_made_again():
    first = shared_look(ipywidgets.Layout, width="31px")
    first.close()
    again = kit.HTML("x", layout={"width": "31px"}).layout
    assert again is not first and again.comm is not None and again.width == "31px"


def test_looks_only_where_the_widget_has_them():
    assert "style" not in ipywidgets.VBox.class_traits()
    box = kit.VBox([kit.HTML("x")])
    assert box.layout is kit.HBox().layout
    with pytest.raises(TypeError, match="VBox has no style"):
        make(ipywidgets.VBox, style={"description_width": "initial"})
    assert kit.link is ipywidgets.link and kit.Widget is ipywidgets.Widget


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_every_lesson_widget_uses_shared_looks(path):
    own = []
    for cell, roots in run_lesson(path).widgets.items():
        for root in roots:
            for widget, _parent in walk(root):
                for part in ("layout", "style"):
                    look = getattr(widget, part, None)
                    if look is not None and not type(look).__name__.startswith("Shared"):
                        own.append(f"cell {cell}: {type(widget).__name__} {part}")
    assert not own, ("made with ipywidgets directly; build it with dncourse.ui.widgetkit.kit so its looks "
                     f"are shared: {own[:5]}")


def test_the_lessons_have_widgets_and_few_looks():
    looks, widgets = set(), 0
    for path in LESSONS:
        for roots in run_lesson(path).widgets.values():
            for root in roots:
                for widget, _parent in walk(root):
                    widgets += 1
                    looks.update(id(getattr(widget, p)) for p in ("layout", "style") if hasattr(widget, p))
    assert widgets > 100
    assert len(looks) < 40, f"{len(looks)} different Layout and style objects for {widgets} widgets"
