"""The dependency points one way, from the outer parts of the house to the core.

The parts, from the inside out (``docs/design.md`` draws them):

- **core**: rules, models, operations and their registries, checks, codecs, payload
  encryption, the client. Pure: no I/O, no HTTP library.
- **serving**: the WSGI application and the threaded server (``mdesrules.serving``).
- **carriers**: the transports that move bytes (``mdesrules.transports``).
- **notifications** and **tms**: the token requestor's receiver and the TMS client.
- **fakes**: the simulated MDES, the simulated TMS, the notification emitter.
- **plugin**: the pytest plugin (``mdesrules.pytest_plugin``), fixtures over the fakes.
- **cli**: the command line, which may use everything.

Each part may import only the parts listed for it in :data:`ALLOWED`. Imports are read
from the source with :mod:`ast`, including those under ``TYPE_CHECKING`` and those made
inside functions, with relative imports resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import mdesrules

ROOT = Path(mdesrules.__file__).parent

#: The part each subpackage of mdesrules belongs to; every other module is core.
PARTS = {
    "serving": "serving",
    "transports": "carriers",
    "notifications": "notifications",
    "tms": "tms",
    "fakes": "fakes",
    "cli": "cli",
    "__main__": "cli",
    "pytest_plugin": "plugin",
}

#: Parts that are single modules, not subpackages.
MODULE_PARTS = {"__main__", "pytest_plugin"}

#: The subpackages that are core: data and pure code.
CORE_PACKAGES = {"models", "codecs", "apis"}

#: What each part may import, besides itself.
ALLOWED = {
    "core": set(),
    "serving": {"core"},
    "carriers": {"core", "serving"},
    "notifications": {"core", "serving"},
    "tms": {"core", "carriers"},
    "fakes": {"core", "serving", "carriers", "notifications", "tms"},
    "plugin": {"core", "serving", "carriers", "notifications", "tms", "fakes"},
    "cli": {"core", "serving", "carriers", "notifications", "tms", "fakes"},
}

#: Libraries that do I/O over a network: only the carriers may use them.
NETWORK_LIBRARIES = {"requests", "urllib3", "http.client", "socket", "socketserver"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module *path* imports, as full names (``from . import x`` resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def part_of(module: str) -> str | None:
    """The part of an mdesrules module, or ``None`` for another library."""
    names = module.split(".")
    if names[0] != "mdesrules":
        return None
    return PARTS.get(names[1], "core") if len(names) > 1 else "core"


def modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_each_part_imports_only_the_parts_below_it() -> None:
    offenders: dict[str, list[str]] = {}
    for path in modules():
        part = part_of(module_name(path))
        assert part is not None
        bad = sorted(
            m
            for m in imported_modules(path)
            if (other := part_of(m)) is not None and other != part and other not in ALLOWED[part]
        )
        if bad:
            offenders[module_name(path)] = bad
    assert offenders == {}


def test_only_the_outer_parts_touch_the_network() -> None:
    offenders = {
        module_name(path): sorted(imported_modules(path) & NETWORK_LIBRARIES)
        for path in modules()
        if part_of(module_name(path)) in ("core", "notifications")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_subpackage_is_placed_in_a_part() -> None:
    # A new subpackage must be named in PARTS or CORE_PACKAGES, so that its arrows are held.
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == (set(PARTS) - MODULE_PARTS) | CORE_PACKAGES


def test_the_reader_finds_relative_and_deferred_imports() -> None:
    found = imported_modules(ROOT / "cli" / "_serve.py")
    assert "mdesrules.fakes.mdes" in found  # imported inside a function
    assert "mdesrules.context" in found  # from ..context import Inventory
    assert part_of("mdesrules.fakes.mdes") == "fakes"
    assert part_of("mdesrules.checking") == "core"
