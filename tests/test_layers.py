"""Imports flow one way (issue #18): loaders -> store <- detection -> services ->
viz -> cases/web -> api -> commands/cli, with the contract, model, errors and config
below everything. Drawn in docs/conventions.md; ``[tool.importlinter]`` in
pyproject.toml states the same contracts for ``lint-imports``.

This test walks the source itself (no import-linter needed, so it runs wherever the
suite runs) and counts every import: module level, inside functions and under
TYPE_CHECKING alike, since an import hidden in a function is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graphsvc", "loaders", "viz")

# Module (or package) -> layer; higher layers may import lower ones and their own.
# The longest matching prefix decides.
LAYERS: dict[str, int] = {
    # 0: what everything reads.
    "graphsvc": 0,  # the package root (__version__)
    "graphsvc.errors": 0,
    "graphsvc.model": 0,
    "graphsvc.contract": 0,
    "graphsvc.config": 0,
    # the one Jinja environment factory; reads the translation catalog (a leaf)
    "graphsvc.templating": 0,
    # the gettext catalogs (issue #13): Babel only, read by the pages and the reports
    "graphsvc.locale": 0,
    # 1: the store.
    "graphsvc.store": 1,
    # 2: what reads or writes the store for one purpose.
    "loaders": 2,
    "graphsvc.detection": 2,
    "graphsvc.generate": 2,
    "graphsvc.privacy": 2,
    "graphsvc.cypher_guard": 2,
    "graphsvc.security": 2,
    # the audit trail signs its anchors with the security keys (issue #19)
    "graphsvc.audit": 2,
    # reads heads held outside the machine (case packages) for audit verify --head
    "graphsvc.audit_head": 2,
    # 3: services built on detection and the store.
    "graphsvc.services": 3,
    "graphsvc.screening": 3,
    "graphsvc.supervision": 3,
    "graphsvc.exporters": 3,
    # 4: drawing.
    "viz": 4,
    # 5: what people read: case packages and pages.
    "graphsvc.cases": 5,
    "graphsvc.web": 5,
    # 6, 7: the entry points.
    "graphsvc.api": 6,
    "graphsvc.commands": 7,
    "graphsvc.cli": 7,
    "graphsvc.__main__": 7,
}

# Modules placed below their package on purpose: leaves that import nothing of ours.
LEAVES: dict[str, str] = {
    "graphsvc.web.i18n": (
        "t()/label() over the gettext catalogs (graphsvc.locale, issue #13): viz and "
        "case reports need its strings; it keeps the path and call shape pages use"
    ),
    "graphsvc.security.secretfile": (
        "creates secret files 0600 atomically (standard library only); the secrets "
        "graphsvc.config generates are written through it (issue #14)"
    ),
    "graphsvc.cases.verifier": (
        "the standalone package verifier (stdlib only, shipped in every package); "
        "security.keys reuses its key-id rule so the two can never disagree"
    ),
}

# Siblings of one layer that must not import each other.
INDEPENDENT: tuple[tuple[str, ...], ...] = (
    ("loaders", "graphsvc.detection", "graphsvc.generate"),
    ("graphsvc.cases", "graphsvc.web"),
)

# Imports against the flow that remain, each with its reason. Empty today; add here
# (importer, imported) with a reason rather than hide an import inside a function.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def layer_of(module: str) -> int | None:
    """The layer of ``module``: a leaf's is 0, else the longest prefix in LAYERS
    (the bare package root only matches itself, so a new subpackage must be placed)."""
    if any(module == leaf or module.startswith(leaf + ".") for leaf in LEAVES):
        return 0
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in LAYERS and (i > 1 or prefix in {"loaders", "viz"} or module == prefix):
            return LAYERS[prefix]
    return None


def is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or path.is_dir()


def group_of(module: str) -> str | None:
    if layer_of(module) == 0:  # leaves belong to no group
        return None
    for group in INDEPENDENT:
        for member in group:
            if module == member or module.startswith(member + "."):
                return member
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(module: str, source: str, *, package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import of ours, relative ones resolved;
    ``from pkg import name`` counts as ``pkg.name`` when that is a module."""
    anchor = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*up, *([base] if base else [])])
            names = [
                f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base for a in node.names
            ]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                yield node.lineno, name


def violations(module: str, source: str, *, package: bool = False) -> list[str]:
    mine, my_group = layer_of(module), group_of(module)
    found = []
    for line, target in imports_of(module, source, package=package):
        theirs, their_group = layer_of(target), group_of(target)
        if (module, target) in KNOWN_EXCEPTIONS:
            continue
        if mine is None or theirs is None:
            found.append(f"{module}:{line} -> {target}: module not placed in LAYERS")
        elif (
            module in LEAVES
            and not target.startswith(module + ".")
            and (target in LEAVES or LAYERS.get(".".join(target.split(".")[:2]), 1) != 0)
        ):
            # A leaf reads only the base layer (the contract's typology names, errors).
            found.append(f"{module}:{line} -> {target}: a leaf imports only the base layer")
        elif theirs > mine:
            found.append(f"{module}:{line} -> {target}: layer {mine} imports layer {theirs}")
        elif my_group and their_group and my_group != their_group:
            found.append(
                f"{module}:{line} -> {target}: {my_group} and {their_group} are independent"
            )
    return found


def sources() -> Iterator[tuple[str, str, bool]]:
    """(module, source, is a package) of every file of ours."""
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            yield module_name(path), path.read_text(encoding="utf-8"), path.stem == "__init__"


def test_imports_follow_the_layers() -> None:
    found = sorted({v for m, s, pkg in sources() for v in violations(m, s, package=pkg)})
    assert not found, "imports against the layers (docs/conventions.md):\n" + "\n".join(found)


def test_known_exceptions_are_still_needed() -> None:
    seen = {(m, t) for m, s, pkg in sources() for _, t in imports_of(m, s, package=pkg)}
    stale = [f"{m} -> {t}" for (m, t) in KNOWN_EXCEPTIONS if (m, t) not in seen]
    assert not stale, "drop these from KNOWN_EXCEPTIONS, the import is gone: " + ", ".join(stale)


@pytest.mark.parametrize(
    ("module", "source", "why"),
    [
        ("graphsvc.store.gds", "def f():\n    from graphsvc.detection import common\n", "layer 1"),
        ("graphsvc.services.explore", "from viz.model import kind_of\n", "layer 3"),
        ("viz.render", "from graphsvc.web.views import x\n", "layer 4"),
        ("loaders.load", "from graphsvc.detection.io import run\n", "independent"),
        ("graphsvc.web.i18n", "from graphsvc.store import Store\n", "a leaf"),
        ("graphsvc.web.i18n", "from graphsvc.cases import verifier\n", "a leaf"),
        ("graphsvc.store.x", "from ..api import app\n", "layer 1 imports layer 6"),
        ("graphsvc.newthing", "from graphsvc import model\n", "not placed"),
    ],
)
def test_the_check_catches_a_bad_import(module: str, source: str, why: str) -> None:
    found = violations(module, source)
    assert found and why in found[0], found


def test_the_check_allows_the_flow() -> None:
    source = "from graphsvc.store import Store\nfrom graphsvc import model\nfrom .common import x\n"
    assert violations("graphsvc.detection.io", source) == []
    assert violations("viz.render", "from graphsvc.web.i18n import t\n") == []
