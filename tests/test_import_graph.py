"""No import circle in any package the project installs.

Every module's imports are read with :mod:`ast`, wherever they stand: at the top, under
``if TYPE_CHECKING:``, inside a function. A circle of type-only imports is still a circle: it
says that two modules each need the other to be understood, and it turns into an
``ImportError`` the day one of its imports is needed at run time.

The packages are the top-level packages named in ``setup.cfg`` (``[options.packages.find]
include``), each found where Python imports it from and walked as a directory, so a module
or subpackage added later is read without a change here; an imported module of those
packages that lives elsewhere (a folder mapped into the package by ``package_dir``) is found
through :func:`importlib.util.find_spec` and walked too.

An edge ``a -> b`` means that module ``a`` names module ``b`` in an import: ``import b``,
``from b import x``, or ``from a_package import b`` when ``b`` is a module. Relative imports
are resolved to full names. The package ``__init__`` that Python runs on the way to a
submodule is not counted as imported: every ``from . import x`` would otherwise close a
circle through the package's own ``__init__``.
"""

from __future__ import annotations

import ast
import configparser
import graphlib
import importlib.util
import itertools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def installed_top_level_packages(setup_cfg: Path = SETUP_CFG) -> list[str]:
    """The top-level packages ``setup.cfg`` installs: ``mdesrules`` from ``mdesrules.*`` or
    ``mdesrules*`` in ``[options.packages.find] include``, or from an explicit
    ``[options] packages`` list."""
    config = configparser.ConfigParser()
    config.read(setup_cfg, encoding="utf-8")
    listed = config.get("options", "packages", fallback="")
    if listed.strip().startswith("find"):
        listed = config.get("options.packages.find", "include", fallback="")
    names = {re.split(r"[.*?\[]", item.strip())[0] for item in re.split(r"[\s,]+", listed)}
    return sorted(name for name in names if name.isidentifier())


def package_modules(package: str, directory: Path) -> Iterator[tuple[str, Path]]:
    """Every module of the package in *directory*, subpackages too, by full name."""
    for path in sorted(directory.rglob("*.py")):
        parts = path.relative_to(directory).with_suffix("").parts
        if any(
            not (directory.joinpath(*parts[:i]) / "__init__.py").exists()
            for i in range(1, len(parts))
        ):
            continue  # a folder that is not a package (no __init__.py): not importable as such
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join((package, *parts)), path


def locate(name: str) -> Iterator[tuple[str, Path]]:
    """The module *name* and, when it is a package, every module under it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return
    origin = Path(spec.origin)
    if spec.submodule_search_locations is None:
        yield name, origin
        return
    for location in spec.submodule_search_locations:
        yield from package_modules(name, Path(location))


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported(module: str, path: Path, modules: Iterable[str]) -> set[str]:
    """The full names of the modules that *module* (at *path*) imports anywhere in its code,
    each as the longest known module its import names (``a.b`` for ``from a import b``)."""
    known = set(modules)
    package = module if is_package(path) else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                found.add(candidate if candidate in known else source)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the installed packages that it imports."""
    tops = installed_top_level_packages()
    paths: dict[str, Path] = {}
    for top in tops:
        paths.update(locate(top))
    graph: dict[str, set[str]] = {}
    pending = list(paths)
    while pending:
        module = pending.pop()
        if module in graph:
            continue
        targets = set()
        for name in imported(module, paths[module], paths):
            if name.split(".")[0] not in tops:
                continue
            if name not in paths:  # somewhere the walk did not reach: mapped by package_dir
                new = dict(locate(name))
                paths.update(new)
                pending.extend(new)
            while name not in paths and "." in name:  # "from pkg import a_function"
                name = name.rpartition(".")[0]
            if name in paths and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of *graph* (its first module repeated at the end), or None."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        cycle: list[str] = error.args[1]
        return list(reversed(cycle))  # the sorter lists it against the import arrows
    return None


GRAPH = import_graph()


def test_the_graph_reads_every_installed_package() -> None:
    for top in installed_top_level_packages():
        assert top in GRAPH
    assert "mdesrules.compiler" in GRAPH["mdesrules.registry"]
    assert "mdesrules.cli._check" in GRAPH  # subpackages are walked


def test_no_import_circle() -> None:
    cycle = cycle_in(GRAPH)
    assert cycle is None, "import circle: " + " -> ".join(cycle or ())


@pytest.mark.parametrize(
    "options",
    [
        "[options]\npackages = find:\n[options.packages.find]\ninclude =\n    mdesrules\n"
        "    mdesrules.*\n    transports\n    transports.*\n",
        "[options]\npackages = find:\n[options.packages.find]\ninclude = mdesrules*, transports*\n",
        "[options]\npackages =\n    mdesrules\n    mdesrules.cli\n    transports\n",
    ],
)
def test_the_installed_packages_are_read_from_setup_cfg(tmp_path: Path, options: str) -> None:
    (tmp_path / "setup.cfg").write_text(options, encoding="utf-8")
    assert installed_top_level_packages(tmp_path / "setup.cfg") == ["mdesrules", "transports"]


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("pkg.mod", "from . import fields as _fields", {"pkg.fields"}),
        ("pkg.mod", "from .fields import length", {"pkg.fields"}),
        ("pkg.sub.mod", "from ..registry import Form", {"pkg.registry"}),
        ("pkg.sub.mod", "from .. import fields", {"pkg.fields"}),
        ("pkg.mod", "from .sub import deep", {"pkg.sub.deep"}),
        ("pkg.mod", "import pkg.fields", {"pkg.fields"}),
        (
            "pkg.mod",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .registry import Form",
            {"typing", "pkg.registry"},
        ),
        ("pkg.mod", "def f():\n    from .registry import Form", {"pkg.registry"}),
    ],
)
def test_imports_are_read_and_resolved(
    tmp_path: Path, module: str, source: str, expected: set[str]
) -> None:
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    known = {"pkg.fields", "pkg.registry", "pkg.sub.deep"}
    assert imported(module, path, known) == expected


def test_a_circle_is_found_and_shown_in_import_order() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    cycle = cycle_in(graph)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert all(after in graph[before] for before, after in itertools.pairwise(cycle))
    assert cycle_in({"a": {"b"}, "b": set()}) is None
