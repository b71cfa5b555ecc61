"""How the course builds its widgets: ipywidgets with shared, frozen looks.

Every ipywidgets control comes with a ``Layout`` object and most with a style
object (``ButtonStyle``, ``HTMLStyle``...).  Each of those is a widget model
of its own: the kernel opens a channel for it and JupyterLab builds it, one
by one, before the control can be drawn.  In the course's lessons most of
them are identical (``width="auto"``, ``description_width="initial"``, or
nothing at all), so one of each is enough.

:data:`kit` has the names of ``ipywidgets`` (``kit.HTML``, ``kit.Button``,
``kit.Layout``...).  A control made through it gets the one shared ``Layout``
and style object with the same settings, made the first time they are asked
for; ``layout`` and ``style`` may be given as a mapping of settings (or, for
the layout, as ``kit.Layout(...)``).  Shared looks are frozen: changing one
would change every control that uses it, so it raises an error instead.  A
control whose look must change later gets a look of its own from
``ipywidgets`` itself.

Course modules write ``from dncourse.ui.widgetkit import kit as w`` where they would
write ``import ipywidgets as w``.  Nothing is imported until a widget is made.
"""

from __future__ import annotations

__all__ = ["kit", "make", "shared_look", "SharedLookError"]


class SharedLookError(AttributeError):
    """Raised when code tries to change a Layout or style object that several widgets share."""


class _Frozen:
    """Mixin: the synchronised settings cannot change once the object is made."""

    _dncourse_frozen = False

    def __setattr__(self, name, value):
        if self._dncourse_frozen and name in self.keys and not name.startswith("_"):
            kind = type(self).__name__.removeprefix("Shared")
            raise SharedLookError(f"this {kind} is shared by several widgets, so its {name!r} cannot change; "
                                  f"give the widget a look of its own (ipywidgets.{kind}(...)) if it must change")
        super().__setattr__(name, value)


_FROZEN_CLASSES: dict[type, type] = {}
_SHARED: dict[tuple, object] = {}


def _frozen_class(cls: type) -> type:
    frozen = _FROZEN_CLASSES.get(cls)
    if frozen is None:
        frozen = type(f"Shared{cls.__name__}", (_Frozen, cls),
                      {"__doc__": f"A frozen {cls.__name__} shared by widgets (see dncourse.ui.widgetkit)."})
        _FROZEN_CLASSES[cls] = frozen
    return frozen


def _key(settings: dict) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in settings.items()))


def shared_look(cls: type, **settings):
    """The shared, frozen instance of ``cls`` (a Layout or a style class) with ``settings``.

    Made the first time it is asked for, and again if it was closed (for
    example by ``ipywidgets.Widget.close_all()``).
    """
    key = (cls, _key(settings))
    look = _SHARED.get(key)
    if look is None or getattr(look, "comm", None) is None:
        look = _frozen_class(cls)(**settings)
        object.__setattr__(look, "_dncourse_frozen", True)
        _SHARED[key] = look
    return look


def _look(cls: type, given):
    """The look to give a widget: ``given`` itself if it is already an object, else a shared one."""
    if given is None:
        return shared_look(cls)
    if isinstance(given, dict):
        return shared_look(cls, **given)
    return given


def make(cls: type, *args, layout=None, style=None, **kwargs):
    """Make the ipywidgets control ``cls(*args, **kwargs)`` with shared looks.

    ``layout`` and ``style``: ``None`` (the defaults), a mapping of settings,
    or an object (used as it is).
    """
    traits = cls.class_traits()
    if "layout" in traits:
        kwargs["layout"] = _look(traits["layout"].klass, layout)
    elif layout is not None:
        raise TypeError(f"{cls.__name__} has no layout")
    if "style" in traits:
        kwargs["style"] = _look(traits["style"].klass, style)
    elif style is not None:
        raise TypeError(f"{cls.__name__} has no style")
    return cls(*args, **kwargs)


class _Kit:
    """``ipywidgets``' names, with controls made by :func:`make` and ``Layout`` shared (see the module)."""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        import functools

        import ipywidgets

        if name == "Layout":
            return functools.partial(shared_look, ipywidgets.Layout)
        target = getattr(ipywidgets, name)
        if isinstance(target, type) and issubclass(target, ipywidgets.DOMWidget):
            factory = functools.partial(make, target)
            functools.update_wrapper(factory, target, updated=())
            return factory
        return target

    def __dir__(self):
        import ipywidgets

        return sorted(set(dir(ipywidgets)))


kit = _Kit()
