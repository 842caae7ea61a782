"""Docstring examples of every module run as tests.

Run from here rather than with --doctest-modules, which would also import each
tests/**/conftest.py as a module named ``conftest`` and trip over the duplicates.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("graphsvc", "loaders", "viz")


def _modules() -> list[str]:
    names: list[str] = []
    for top in PACKAGES:
        pkg = importlib.import_module(top)
        names.append(top)
        for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{top}."):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
