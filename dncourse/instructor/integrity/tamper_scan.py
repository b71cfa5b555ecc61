"""Known ways learner code can change what nbgrader's tests see, found by reading the code.

:func:`scan_cell` parses one cell with :mod:`ast` (without running it) and
names every pattern that a quiz answer never needs: IPython hooks (input and
AST transformers, custom exception handlers, event callbacks), changes to
Python's builtins or loaded modules, monkeypatching, objects that fake
equality or truth, dynamic code, attempts to stop the process, and files
reached outside the notebook's folder.  Quiz answers are plain literals, so
an honest answer cell matches none of them.
"""

from __future__ import annotations

import ast

__all__ = ["scan_cell"]

_NAMES = {
    "get_ipython": "uses the IPython shell object (can install hooks that change how tests run)",
    "__builtins__": "touches Python's builtins",
    "builtins": "touches Python's builtins",
    "__import__": "imports modules dynamically",
    "importlib": "imports or reloads modules dynamically",
    "setattr": "changes attributes of other objects (monkeypatching)",
    "delattr": "deletes attributes of other objects",
    "exec": "runs code built at run time",
    "eval": "runs code built at run time",
    "compile": "compiles code at run time",
    "globals": "rewrites global variables indirectly",
    "exit": "tries to stop the process",
    "quit": "tries to stop the process",
    "signal": "installs signal handlers",
    "atexit": "registers exit handlers",
    "ctypes": "calls native code",
    "subprocess": "starts other programs",
    "sys": "uses the interpreter's internals (sys)",
    "inspect": "inspects running code",
    "gc": "walks the interpreter's objects",
}
_ATTRS = {
    "input_transformers_cleanup": "registers an IPython input transformer",
    "input_transformers_post": "registers an IPython input transformer",
    "input_transformer_manager": "registers an IPython input transformer",
    "ast_transformers": "registers an IPython AST transformer",
    "set_custom_exc": "installs a custom exception handler",
    "showtraceback": "replaces how errors are shown",
    "register_magic_function": "registers a magic",
    "events": "registers IPython event callbacks",
    "_exit": "kills the process (os._exit)",
    "kill": "kills a process",
    "system": "runs a shell command",
    "chdir": "changes the working directory",
    "modules": "changes loaded modules (sys.modules)",
    "settrace": "installs a tracer",
    "setprofile": "installs a profiler hook",
}
_DUNDER_DEFS = {"__eq__", "__ne__", "__hash__", "__bool__", "__getattr__", "__getattribute__",
                "__instancecheck__", "__class_getitem__", "__del__"}
_OPEN_CALLS = {"open", "Path", "listdir", "scandir", "remove", "unlink", "rmtree", "rename", "walk", "glob"}


def _outside_path(text: str) -> bool:
    return text.startswith(("/", "~", "\\")) or ".." in text.replace("\\", "/").split("/")


def scan_cell(src: str) -> list[str]:
    """The tampering patterns found in one cell's code (empty when it looks harmless)."""
    found = []
    for line in src.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            found.append(f"uses an IPython magic or shell command ({stripped.split()[0][:20]})")
    try:
        tree = ast.parse("\n".join(l for l in src.splitlines() if not l.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return found + ["is not valid Python, so it could not be checked"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _NAMES:
            found.append(_NAMES[node.id])
        elif isinstance(node, ast.Attribute) and node.attr in _ATTRS:
            found.append(_ATTRS[node.attr])
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                root = name.split(".")[0]
                if root in _NAMES:
                    found.append(_NAMES[root])
                elif root in ("dncourse", "nbgrader", "IPython", "os", "shutil", "pathlib", "io"):
                    found.append(f"imports {root}, which a quiz answer never needs")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in _DUNDER_DEFS:
            found.append(f"defines {node.name} (an object that can fake equality or truth)")
        elif isinstance(node, ast.ClassDef):
            found.append(f"defines a class ({node.name})")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute):
                    found.append("assigns to an attribute of another object (monkeypatching)")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in _OPEN_CALLS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _outside_path(arg.value):
                        found.append(f"reaches a file outside its folder ({arg.value[:40]})")
    return sorted(set(found))
