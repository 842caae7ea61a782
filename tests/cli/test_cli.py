"""The command line as a user runs it: a subprocess, exit codes, stdout/stderr."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphsvc.cli import COMMAND_MODULES, build_parser
from graphsvc.config import Settings

GRAPHSVC = [sys.executable, "-m", "graphsvc.cli"]


def run_cli(
    args: list[str], settings: Settings | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if settings is not None:
        env["GRAPHSVC_DATA_DIR"] = str(settings.data_dir)
        env["GRAPHSVC_GRAPH_NAME"] = settings.graph_name
    return subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        GRAPHSVC + args, capture_output=True, text=True, env=env, timeout=300, **kw
    )


def test_every_registered_command_has_help() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = set(sub.choices)
    assert {"store", "cypher", "demo"} <= names
    for name in names:
        r = run_cli([name, "--help"])
        assert r.returncode == 0, r.stderr
        assert "usage: graphsvc" in r.stdout


def test_usage_error_exits_2() -> None:
    r = run_cli(["no-such-command"])
    assert r.returncode == 2
    assert "invalid choice" in r.stderr


def test_cypher_read_only_by_default_and_failure_is_one_line(settings: Settings) -> None:
    r = run_cli(["cypher", "CREATE (:Participant {id: 'X'})"], settings)
    assert r.returncode == 1
    err = [ln for ln in r.stderr.splitlines() if ln.startswith("graphsvc: error")]
    assert len(err) == 1 and "--write" in err[0]


def test_cypher_write_params_and_formats(settings: Settings) -> None:
    r = run_cli(
        ["cypher", "--write", "CREATE (:Doctor {id: $id, n: $n})", "-p", "id=D9", "-p", "n=3"],
        settings,
    )
    assert r.returncode == 0, r.stderr
    r = run_cli(
        ["cypher", "MATCH (d:Doctor) RETURN d.id AS id, d.n AS n", "--format", "json"], settings
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [{"id": "D9", "n": 3}]
    r = run_cli(["cypher", "MATCH (d:Doctor) RETURN d.id AS id", "--format", "csv"], settings)
    assert r.stdout.splitlines() == ["id", "D9"]
    # A stored value that a spreadsheet would run comes out inert (issue #14).
    r = run_cli(["cypher", "RETURN '=cmd|\\' /C calc\\'!A0' AS x, -3 AS n", "--format", "csv"],
                settings)  # fmt: skip
    assert r.returncode == 0, r.stderr
    (row,) = list(csv.reader(io.StringIO(r.stdout)))[1:]
    assert row == ["'=cmd|' /C calc'!A0", "-3"], r.stdout
    r = run_cli(["cypher", "MATCH (d:Doctor) RETURN d.id AS id"], settings)
    assert "D9" in r.stdout and "(1 row)" in r.stdout


def test_cypher_syntax_error_is_reported(settings: Settings) -> None:
    r = run_cli(["cypher", "MATCH (n RETURN n"], settings)
    assert r.returncode == 1
    assert r.stderr.startswith("graphsvc: error")


def test_bad_param_is_a_clear_error(settings: Settings) -> None:
    r = run_cli(["cypher", "RETURN 1", "-p", "novalue"], settings)
    assert r.returncode == 1 and "K=V" in r.stderr


def test_store_status_json(settings: Settings) -> None:
    r = run_cli(["store", "status", "--json"], settings)
    assert r.returncode == 0, r.stderr
    status = json.loads(r.stdout)
    assert status["running"] is True and status["backend"] == "falkordb"


def test_store_status_when_stopped(tmp_path: Path) -> None:
    env_settings = Settings(data_dir=tmp_path)
    r = run_cli(["store", "status"], env_settings)
    assert r.returncode == 3
    assert "not running" in r.stdout


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_every_command_is_registered(name: str) -> None:
    """Every command module of the CLI imports and appears in --help (the parser skips a
    missing module silently, so this is where a lost command is caught)."""
    import importlib

    importlib.import_module(f"graphsvc.commands.{name}")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    registered = set(sub.choices)
    expected = {"export_import": "export-import"}.get(name, name)
    assert expected in registered


def test_cli_console_writes_an_audit_record(settings: Settings) -> None:
    """Like the API console (issue #19): query, parameters, rows, the OS user; refusals too."""
    import uuid

    from graphsvc.audit import AuditLog

    marker = uuid.uuid4().hex
    ok = run_cli(
        ["cypher", f"RETURN '{marker}' AS m, $n AS n", "-p", "n=46010019850312123X"], settings
    )
    assert ok.returncode == 0, ok.stderr
    refused = run_cli(["cypher", f"CREATE (:Doctor {{id: '{marker}'}})"], settings)
    assert refused.returncode != 0
    log = AuditLog.from_settings(settings)
    _, records = log.search(action="cypher.query", target="cli", limit=10_000)
    mine = [r for r in records if marker in r["detail"]["query"]]
    assert len(mine) == 2
    bad, good = mine  # newest first
    assert good["outcome"] == "ok" and good["rows"] == 1
    assert good["user"].startswith("cli:") and good["role"] == "cli"
    assert good["detail"]["parameters"] == {"n": "46010019850312123X"}  # full, on disk
    assert bad["outcome"].startswith("ReadOnlyViolation")
    assert log.verify(anchor=False).ok
