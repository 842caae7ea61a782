"""Every Cypher text we send to Neo4j parses as Neo4j 5 Cypher, by Neo4j's own parser.

The parser is @neo4j-cypher/language-support (the library behind Neo4j's editors),
pinned in tools/cypher-lint/package-lock.json and run by tools/cypher-lint/lint.mjs
on the machine's Node. FalkorDB runs the same files in the other store tests; files
named ``*.falkordb.cypher`` are FalkorDB-only variants and are not checked here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from graphsvc.store.dialect import neo4j_schema_statements
from graphsvc.store.neo4j_backend import STATEMENTS
from graphsvc.store.queries import QUERIES_DIR

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "cypher-lint"
LINE = re.compile(r"^(?P<file>.+\.cypher):(?P<line>\d+):(?P<col>\d+): (?P<kind>error|warning): ")

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def lint() -> Path:
    """The lint script, with its pinned dependency installed (npm ci) when missing."""
    if not (TOOL / "node_modules" / "@neo4j-cypher" / "language-support").is_dir():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install tools/cypher-lint"
        proc = subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=TOOL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"npm ci failed in {TOOL}:\n{proc.stderr}"
    return TOOL / "lint.mjs"


def run_lint(lint: Path, *targets: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [node, str(lint), *map(str, targets)], capture_output=True, text=True, timeout=300
    )


def test_every_query_file_parses_as_neo4j_5(lint: Path) -> None:
    proc = run_lint(lint, QUERIES_DIR)
    errors = [ln for ln in proc.stdout.splitlines() if LINE.match(ln)]
    assert proc.returncode == 0 and not errors, "Neo4j 5 rejects:\n" + "\n".join(errors)
    checked = int(re.search(r"(\d+) files", proc.stderr).group(1))
    expected = [p for p in QUERIES_DIR.rglob("*.cypher") if not p.name.endswith(".falkordb.cypher")]
    assert checked == len(expected) > 50


def test_backend_ddl_and_statements_parse(lint: Path, tmp_path: Path) -> None:
    texts = [*neo4j_schema_statements(), *STATEMENTS]
    for i, text in enumerate(texts):
        (tmp_path / f"s{i:03d}.cypher").write_text(text + "\n")
    proc = run_lint(lint, tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert f"{len(texts)} files, 0 errors" in proc.stderr


def test_the_linter_finds_errors_and_skips_falkordb_variants(lint: Path, tmp_path: Path) -> None:
    (tmp_path / "syntax.cypher").write_text("// mode: read\nMATCH (n\nRETURN n\n")
    (tmp_path / "unbound.cypher").write_text("MATCH (n) RETURN m\n")
    (tmp_path / "param.cypher").write_text("MATCH (n {id: $id}) RETURN n\n")  # $params are fine
    (tmp_path / "x.falkordb.cypher").write_text("MATCH (n RETURN n\n")
    (tmp_path / "y.neo4j.cypher").write_text(
        "MATCH (n:Ring) WHERE EXISTS { (n)--() } AND n.id =~ 'a.*' RETURN COUNT { (n)--() }\n"
    )
    (tmp_path / "z.neo4j.cypher").write_text("MATCH (n) RETRUN n\n")
    proc = run_lint(lint, tmp_path)
    assert proc.returncode == 1
    found = {
        (Path(m["file"]).name, int(m["line"]))
        for m in map(LINE.match, proc.stdout.splitlines())
        if m and m["kind"] == "error"
    }
    assert found == {("syntax.cypher", 3), ("unbound.cypher", 1), ("z.neo4j.cypher", 1)}
    assert "cypher-lint: 5 files," in proc.stderr  # the .falkordb.cypher file was skipped
