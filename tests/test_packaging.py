"""The service installs from a wheel (issue #18): the wheel must carry what the package
reads at run time, not only its Python files. Named queries sit in ``queries/`` at the
root where they are edited; ``graphsvc/queries`` links there so they travel as package
data, and ``graphsvc.store.queries.QUERIES_DIR`` finds them through the package.

The wheel is built from a copy of the tracked files (``git ls-files``, links kept as
links), so the test sees what a clean checkout or the Docker build context holds, and
leaves no ``build/`` behind in the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graphsvc.store.queries import QUERIES_DIR, QueryLibrary

ROOT = Path(__file__).resolve().parent.parent
# The pip messages of a build backend that cannot be fetched (no index reachable).
OFFLINE = ("No matching distribution found for setuptools", "Could not find a version")


def _tracked(top: str) -> list[str]:
    out = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        ["git", "ls-files", "-z", top],  # noqa: S607  git is found on PATH on purpose
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [p for p in out.decode().split("\0") if p]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    src = tmp_path_factory.mktemp("src")
    for rel in [
        "pyproject.toml",
        *(p for top in ("graphsvc", "loaders", "viz", "queries") for p in _tracked(top)),
    ]:
        source, target = ROOT / rel, src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        elif source.is_file():  # tracked but deleted in the working tree: not shipped
            shutil.copy2(source, target)
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(out), "."],
        cwd=src,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if res.returncode != 0 and any(m in res.stderr for m in OFFLINE):
        pytest.skip("the build backend (setuptools>=68) cannot be fetched here: no index")
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    (built,) = out.glob("graphsvc-*.whl")
    return zipfile.ZipFile(built)


def test_the_package_finds_its_queries_through_itself() -> None:
    assert (ROOT / "graphsvc" / "queries").is_symlink()
    assert (ROOT / "queries").resolve() == QUERIES_DIR
    assert any(QUERIES_DIR.rglob("*.cypher"))


def test_the_wheel_carries_queries_templates_and_static_files(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    queries = {f"graphsvc/{p}" for p in _tracked("queries") if p.endswith(".cypher")}
    assert len(queries) > 50 and not queries - names, sorted(queries - names)[:5]
    # Everything else the packages read at run time: every tracked non-Python file
    # (templates, static files, legal texts, styles), bar READMEs for developers.
    data = {
        p
        for top in ("graphsvc", "loaders", "viz")
        for p in _tracked(top)
        if not p.endswith(".py") and Path(p).name != "README.md" and p != "graphsvc/queries"
    }
    assert any(p.startswith("graphsvc/web/templates/") for p in data)
    assert any(p.startswith("graphsvc/web/static/") for p in data)
    assert "graphsvc/cases/templates/report.html" in data
    assert not data - names, sorted(data - names)[:5]
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"graphsvc", "loaders", "viz"}


def test_an_installed_wheel_reads_its_own_queries(wheel: zipfile.ZipFile, tmp_path: Path) -> None:
    """Installed from the wheel (not editable), the package finds all the queries it
    carries."""
    # A pure-Python wheel installs by unpacking into a site directory (what pip does
    # for purelib); unpacked here so the test touches no environment.
    site = tmp_path / "site"
    wheel.extractall(site)
    probe = (
        "import json; from graphsvc.store.queries import QUERIES_DIR, QueryLibrary; "
        "print(json.dumps([str(QUERIES_DIR), QueryLibrary().names()]))"
    )
    res = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    where, names = json.loads(res.stdout)
    assert Path(where) == (site / "graphsvc" / "queries").resolve()
    assert names == QueryLibrary().names() and "explore_rings" in names


def test_an_installed_wheel_translates_without_compiled_catalogs(
    wheel: zipfile.ZipFile, tmp_path: Path
) -> None:
    """The wheel ships the .po (no .mo): graphsvc.locale compiles them at first use."""
    site = tmp_path / "site"
    wheel.extractall(site)
    assert not list(site.rglob("*.mo"))
    probe = (
        "import graphsvc.locale as l; from graphsvc.web.i18n import t; "
        "print(t('rings', 'zh'), l.DIR, sep='|')"
    )
    res = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    text, where = res.stdout.strip().split("|")
    assert text == "可疑团伙" and Path(where) == (site / "graphsvc" / "locale").resolve()
