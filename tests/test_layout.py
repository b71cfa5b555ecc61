"""The layout of the code and the tests, checked statically (nothing is imported or run).

* Nothing in ``tests/`` or ``bench/`` changes ``sys.path``.
* No test module imports another (shared helpers live in ``tests/support``),
  and nothing in ``bench/`` imports from ``tests``.
* The tests mirror the package: a ``tests/sections/test_sNN_*.py`` for each
  ``dncourse/sections/sNN_*`` package, and a ``tests/<name>/`` folder for each
  sub-package ``dncourse/<name>/``.
* No file in ``dncourse/`` or ``tests/`` names a module that was removed.
* Every module in ``dncourse`` says what it is for in a docstring.

Each check is a function returning its problems; the last tests plant a bad
example of each in a scratch folder to show that the check finds it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support.course import ROOT

SKIPPED_FOLDERS = {"node_modules", "__pycache__", ".ipynb_checkpoints"}
REMOVED_MODULES = ("preload", "pictures", "predraw", "validated", "fastimport", "cache_folder", "warm_kernels",
                   "pgserver")
# ``dncourse.NAME``, ``dncourse/NAME`` or ``from dncourse import ..., NAME`` for a removed NAME.
REMOVED = re.compile(r"\bdncourse[./](?:%s)\b|\bfrom\s+dncourse\s+import\s+[\w\s,()]*\b(?:%s)\b"
                     % ("|".join(REMOVED_MODULES), "|".join(REMOVED_MODULES)))


def files_under(folder: Path, pattern: str = "*.py") -> list[Path]:
    """The files matching ``pattern`` in ``folder`` and below, outside node_modules and caches."""
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not SKIPPED_FOLDERS & set(p.relative_to(folder).parts))


def _where(path: Path) -> str:
    """``path`` relative to the course, or its name when it is elsewhere (a planted example)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _tree(path: Path) -> ast.Module:
    """The parsed source of ``path``."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) for every module an ``import`` or ``from ... import`` statement names."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def sys_path_changes(files: list[Path]) -> list[str]:
    """``file:line`` of each call of ``sys.path.insert``, ``append`` or ``extend``."""
    problems = []
    for path in files:
        for node in ast.walk(_tree(path)):
            func = getattr(node, "func", None) if isinstance(node, ast.Call) else None
            if (isinstance(func, ast.Attribute) and func.attr in ("insert", "append", "extend")
                    and isinstance(func.value, ast.Attribute) and func.value.attr == "path"
                    and isinstance(func.value.value, ast.Name) and func.value.value.id == "sys"):
                problems.append(f"{_where(path)}:{node.lineno}: sys.path.{func.attr}")
    return problems


def test_module_imports(files: list[Path]) -> list[str]:
    """``file:line`` of each import of a test module (``test_*``) or of a ``conftest``."""
    problems = []
    for path in files:
        for line, module in _imported_modules(_tree(path)):
            if any(part.startswith("test_") or part == "conftest" for part in module.split(".")):
                problems.append(f"{_where(path)}:{line}: imports {module}")
    return sorted(set(problems))


test_module_imports.__test__ = False   # a check, not a test, despite its name


def imports_of_tests(files: list[Path]) -> list[str]:
    """``file:line`` of each import from the ``tests`` package."""
    return sorted({f"{_where(path)}:{line}: imports {module}" for path in files
                   for line, module in _imported_modules(_tree(path))
                   if module == "tests" or module.startswith("tests.")})


def sections_without_tests(package: Path, tests: Path) -> list[str]:
    """The ``sections/sNN_*`` packages of ``package`` with no ``tests/sections/test_sNN_*.py``."""
    missing = []
    for section in sorted((package / "sections").glob("s[0-9][0-9]_*")):
        if (section / "__init__.py").exists() and not list((tests / "sections").glob(f"test_{section.name[:3]}_*.py")):
            missing.append(section.name)
    return missing


def packages_without_test_folders(package: Path, tests: Path) -> list[str]:
    """The sub-packages ``package/NAME`` with no test folder ``tests/NAME``."""
    return [sub.name for sub in sorted(package.iterdir())
            if (sub / "__init__.py").exists() and not (tests / sub.name).is_dir()]


def removed_module_mentions(files: list[Path], root: Path) -> list[str]:
    """``file:line: text`` (the file relative to ``root``) of each line that names a removed module."""
    problems = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue   # a picture or another binary file names no module
        for number, line in enumerate(text.splitlines(), 1):
            if REMOVED.search(line):
                problems.append(f"{path.relative_to(root)}:{number}: {line.strip()[:100]}")
    return problems


def modules_without_docstrings(package: Path) -> list[str]:
    """The modules of ``package`` whose source does not open with a docstring."""
    return [str(path.relative_to(package.parent)) for path in files_under(package)
            if not (ast.get_docstring(_tree(path)) or "").strip()]


# --- the course as it is ---------------------------------------------------------------------

def test_nothing_changes_sys_path():
    files = files_under(ROOT / "tests") + files_under(ROOT / "bench")
    assert len(files) > 20
    assert sys_path_changes(files) == []


def test_no_test_module_imports_another():
    files = files_under(ROOT / "tests")
    assert test_module_imports(files) == [], "shared helpers belong in tests/support"


def test_the_benchmarks_do_not_import_the_tests():
    files = files_under(ROOT / "bench")
    assert files
    assert imports_of_tests(files) == []


def test_every_section_package_has_its_tests():
    assert len(list((ROOT / "dncourse" / "sections").glob("s[0-9][0-9]_*"))) >= 6
    assert sections_without_tests(ROOT / "dncourse", ROOT / "tests") == []


def test_the_test_folders_mirror_the_package():
    for name in ("instructor", "ui", "content", "sections"):
        assert (ROOT / "dncourse" / name / "__init__.py").exists(), name
    assert packages_without_test_folders(ROOT / "dncourse", ROOT / "tests") == []


def test_no_file_names_a_removed_module():
    this = Path(__file__).resolve()
    files = [p for p in files_under(ROOT / "dncourse", "*") + files_under(ROOT / "tests", "*") if p != this]
    assert removed_module_mentions(files, ROOT) == []
    left = [name for name in REMOVED_MODULES
            if (ROOT / "dncourse" / f"{name}.py").exists() or (ROOT / "dncourse" / name).is_dir()]
    assert left == [], "removed modules are still in the package"


def test_every_module_has_a_docstring():
    assert modules_without_docstrings(ROOT / "dncourse") == []


# --- each check finds a planted problem ------------------------------------------------------

def _write(path: Path, text: str) -> Path:
    """``text`` written to ``path`` (its folders made); returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checks_find_planted_problems(tmp_path):
    bad = _write(tmp_path / "tests" / "test_bad.py",
                 '"""A bad test module."""\nimport sys\nsys.path.insert(0, "tools")\n'
                 "from test_other import helper\nfrom tests.sections import test_s01_x\nfrom conftest import y\n")
    good = _write(tmp_path / "tests" / "test_good.py",
                  '"""A good one."""\nfrom tests.support.course import ROOT\nprint("sys.path.insert(0, x)")\n')
    assert sys_path_changes([bad, good]) == ["test_bad.py:3: sys.path.insert"]
    assert sorted(p.split(": ")[1] for p in test_module_imports([bad, good])) == [
        "imports conftest", "imports conftest.y", "imports test_other", "imports test_other.helper",
        "imports tests.sections.test_s01_x"]
    bench = _write(tmp_path / "bench" / "run.py", "from tests.support import jlab\n")
    assert imports_of_tests([bench]) == ["run.py:1: imports tests.support", "run.py:1: imports tests.support.jlab"]
    assert imports_of_tests([good]) == ["test_good.py:2: imports tests.support.course",
                                        "test_good.py:2: imports tests.support.course.ROOT"]

    package = tmp_path / "dncourse"
    for name in ("sections/s01_first", "sections/s02_second", "ui", "extra"):
        _write(package / name / "__init__.py", "")
    _write(tmp_path / "tests" / "sections" / "test_s01_first_data.py", "")
    (tmp_path / "tests" / "ui").mkdir()
    assert sections_without_tests(package, tmp_path / "tests") == ["s02_second"]
    assert packages_without_test_folders(package, tmp_path / "tests") == ["extra"]

    mention = _write(tmp_path / "dncourse" / "notes.md", "Run `python -m dncourse.predraw` first.\n"
                     "from dncourse import answers, warm_kernels\nthe pictures are drawn\n")
    assert [p.split(": ")[0] for p in removed_module_mentions([mention], tmp_path)] == ["dncourse/notes.md:1",
                                                                                "dncourse/notes.md:2"]
    _write(package / "ui" / "shown.py", "import os\n")
    _write(package / "ui" / "fine.py", '"""Says what it does."""\n')
    assert modules_without_docstrings(package) == ["dncourse/extra/__init__.py",
                                                   "dncourse/sections/s01_first/__init__.py",
                                                   "dncourse/sections/s02_second/__init__.py",
                                                   "dncourse/ui/__init__.py", "dncourse/ui/shown.py"]
