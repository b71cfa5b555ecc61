"""Start faster: put off the one slow import that nothing in the course needs at start.

Importing ``jsonschema`` (which nbformat, and so nbgrader, imports, as does the
course's data loader) also imports ``rfc3987_syntax``, and that package builds
a complete RFC 3987 grammar parser (with ``lark``) at import time, only to be
able to check strings of the JSON Schema format ``"iri"``.  That costs about
2.5 s, more than the rest of ``import nbgrader`` together, in every
``dncourse grade``, every grading worker and every lesson that loads data
(measured by ``make bench``; see ``bench/README.md``).  No schema of the
course, of nbformat or of nbgrader uses the ``"iri"`` format.

:func:`defer_iri_grammar` puts a stand-in for ``rfc3987_syntax`` in
``sys.modules`` that builds the real parser the first time anything asks for
it, so an ``"iri"`` check still gives exactly the answer it gave before; it
only happens later, if ever.  It changes nothing once ``jsonschema`` is
imported, and nothing where ``rfc3987_syntax`` is not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

__all__ = ["defer_iri_grammar", "iri_grammar_deferred"]

_NAME = "rfc3987_syntax"


def iri_grammar_deferred() -> bool:
    """Whether the stand-in is in place and the real grammar not built yet."""
    return getattr(sys.modules.get(_NAME), "__dncourse_deferred__", False)


def defer_iri_grammar() -> bool:
    """Put off building the IRI grammar until it is first used; True when the stand-in was put in place."""
    if _NAME in sys.modules or "jsonschema" in sys.modules:
        return iri_grammar_deferred()
    try:
        spec = importlib.util.find_spec(_NAME)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = types.ModuleType(_NAME, "Stand-in for rfc3987_syntax until first use (see dncourse.fastimport).")
    stand_in.__dncourse_deferred__ = True
    stand_in.__path__ = list(spec.submodule_search_locations or [])

    def real():
        module = sys.modules.get(_NAME)
        if module is None or module is stand_in:
            sys.modules.pop(_NAME, None)
            module = importlib.import_module(_NAME)
        return module

    def is_valid_syntax(term, value):
        return real().is_valid_syntax(term, value)

    def __getattr__(attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = __getattr__
    sys.modules[_NAME] = stand_in
    return True
