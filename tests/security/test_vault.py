"""The personal-data vault (issue #14): sealed, 0600, keyed by entity and field."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from graphsvc.security.vault import HMAC_KEY_FILE, VAULT_KEY_FILE, open_pii, protect


def test_vault_round_trip_is_sealed_and_private(tmp_path: Path) -> None:
    pii = open_pii(tmp_path / "keys", tmp_path, "g_round")
    pii.vault.put("Participant", "P1", "id_number", "46010019900101123X")
    pii.vault.put("Participant", "P1", "name", "王小明")
    assert pii.vault.flush() == 2
    assert pii.vault.get("Participant", "P1") == {
        "id_number": "46010019900101123X",
        "name": "王小明",
    }
    assert pii.vault.get("Participant", "P2") == {}
    data = pii.vault.path.read_bytes()
    assert b"46010019900101123X" not in data
    assert "王小明".encode() not in data
    for path in (
        pii.vault.path,
        tmp_path / "keys" / HMAC_KEY_FILE,
        tmp_path / "keys" / VAULT_KEY_FILE,
    ):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_a_ciphertext_moved_to_another_entity_does_not_open(tmp_path: Path) -> None:
    pii = open_pii(tmp_path / "keys", tmp_path, "g_moved")
    pii.vault.put("Participant", "P1", "name", "王小明")
    pii.vault.put("Participant", "P2", "name", "李四")
    pii.vault.flush()
    with sqlite3.connect(pii.vault.path) as db:
        nonce, sealed = db.execute(
            "SELECT nonce, sealed FROM pii WHERE entity_id = 'P1'"
        ).fetchone()
        db.execute("UPDATE pii SET nonce = ?, sealed = ? WHERE entity_id = 'P2'", (nonce, sealed))
    with pytest.raises(InvalidTag):
        pii.vault.get("Participant", "P2")


def test_protect_replaces_every_personal_value(tmp_path: Path) -> None:
    pii = open_pii(tmp_path / "keys", tmp_path, "g_protect")
    rec: dict[str, object] = {
        "participant_id": "P1",
        "name": "王小明",
        "id_number": "46010019900101123X",
        "gender": "M",
    }
    extra = {"mobile": "13912345678", "remark": "call 13812345678", "ward": "A3"}
    protect(pii, "participants", rec, extra)
    pii.vault.flush()
    text = repr((rec, extra))
    for raw in ("王小明", "46010019900101123X", "13912345678", "13812345678"):
        assert raw not in text
    assert rec["name"] == "王**" and rec["id_number"] == "4601**********123X"
    assert extra["ward"] == "A3"
    other = {"participant_id": "P2", "name": "王大明", "id_number": "46010019900101123X"}
    protect(pii, "participants", other, {})
    assert other["id_number_key"] == rec["id_number_key"]  # matching still works
    assert other["surname_key"] == rec["surname_key"] and other["name_key"] != rec["name_key"]
    got = pii.vault.get("Participant", "P1")
    assert got["id_number"] == "46010019900101123X" and got["extra:mobile"] == "13912345678"
    ident = {"participant_id": "P1", "kind": "phone", "value": "13912345678"}
    protect(pii, "identifiers", ident, {})
    assert ident["identifier_id"] == f"phone:{ident['key']}" and ident["value"] == "139****5678"
    assert pii.vault.get("Identifier", str(ident["identifier_id"])) == {"value": "13912345678"}


def test_keys_outlive_a_reopen_and_differ_per_installation(tmp_path: Path) -> None:
    a = open_pii(tmp_path / "a", tmp_path / "va", "g")
    b = open_pii(tmp_path / "b", tmp_path / "vb", "g")
    assert a.key("phone", "13800138000") != b.key("phone", "13800138000")
    from graphsvc.security import vault

    vault._OPEN.clear()
    again = open_pii(tmp_path / "a", tmp_path / "va", "g")
    assert again.key("phone", "13800138000") == a.key("phone", "13800138000")
