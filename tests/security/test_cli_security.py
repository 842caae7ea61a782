"""``graphsvc users``, ``tokens`` and ``serve`` from the command line."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.audit import AuditLog
from graphsvc.cli import build_parser, main
from graphsvc.config import Settings, get_settings
from graphsvc.security.users import UserDB


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("GRAPHSVC_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        get_settings.cache_clear()


def test_users_and_tokens_lifecycle(
    cli_env: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-battery\n"))
    assert main(["users", "add", "zhang.wei", "--role", "investigator", "--password-stdin"]) == 0
    assert main(["users", "add", "li.na", "--role", "analyst", "--generate"]) == 0
    out = capsys.readouterr().out
    generated = out.split("password (shown once): ")[1].split()[0]
    db = UserDB.from_settings(cli_env)
    assert db.authenticate("zhang.wei", "correct-horse-battery") is not None
    assert db.authenticate("li.na", generated) is not None

    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "zhang.wei" in listing and "investigator" in listing and "active" in listing
    assert "correct-horse-battery" not in listing

    # Minted only by its own user: the operator must give that user's password.
    monkeypatch.setattr("sys.stdin", io.StringIO("not-the-password\n"))
    assert main(["tokens", "create", "zhang.wei", "--password-stdin"]) == 1
    assert db.list_tokens("zhang.wei") == []
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-battery\n"))
    assert main(["tokens", "create", "zhang.wei", "--name", "nightly", "--password-stdin"]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("gst_")
    user = db.user_for_token(token)
    assert user is not None and user.username == "zhang.wei"
    token_id = token[len("gst_") :].split(".")[0]
    assert main(["tokens", "revoke", token_id]) == 0
    assert db.user_for_token(token) is None

    assert main(["users", "disable", "zhang.wei"]) == 0
    assert db.authenticate("zhang.wei", "correct-horse-battery") is None
    assert main(["users", "add", "zhang.wei", "--role", "admin", "--generate"]) == 1  # exists
    with pytest.raises(SystemExit) as exit_info:  # argparse usage error
        main(["users", "add", "x1", "--role", "root", "--generate"])
    assert exit_info.value.code == 2

    records = list(AuditLog.from_settings(cli_env).records())
    actions = [(r["action"], r["outcome"]) for r in records]
    assert actions == [
        ("users.add", "ok"),
        ("users.add", "ok"),
        ("tokens.create", "refused"),
        ("tokens.create", "ok"),
        ("tokens.revoke", "ok"),
        ("users.disable", "ok"),
    ]
    assert all(r["via"].startswith("local:") for r in records)
    assert AuditLog.from_settings(cli_env).verify().ok


def test_serve_parses_host_and_port() -> None:
    args = build_parser().parse_args(["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert (args.host, args.port) == ("127.0.0.1", 8123)
    assert callable(args.func)
