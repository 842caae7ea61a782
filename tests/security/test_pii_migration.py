"""A store loaded the old way (raw values in the graph) migrated to pseudonyms (issue #14);
then unmask and search by the raw values still work, through the vault and the keyed hash."""

from __future__ import annotations

import json
import os
import stat

from graphsvc.privacy import unmask_entity
from graphsvc.security.migrate_pii import migrate
from graphsvc.security.testing import (
    ADDRESS,
    BANK,
    DOCTOR_NAME,
    ID_NUMBER,
    NAME,
    PERSONAL_VALUES,
    PHONE,
    seed,
)
from graphsvc.security.vault import pii_for_store
from graphsvc.services.explore import search
from graphsvc.store import Store

EVERYTHING = "MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN properties(n), collect(properties(r))"


def _dump(store: Store) -> str:
    return json.dumps(store.query(EVERYTHING).rows, ensure_ascii=False, default=str)


def test_migration_moves_raw_values_into_the_vault_once(store: Store) -> None:
    seed(store, pseudonymise=False)
    before = _dump(store)
    assert all(v in before for v in PERSONAL_VALUES)  # the old way: the graph holds them
    done = migrate(store)
    assert done.nodes["Participant"] == 2 and done.nodes["Doctor"] == 1
    assert done.identifiers == 3 and done.vaulted >= 2 * 2 + 1 + 3
    after = _dump(store)
    assert [v for v in PERSONAL_VALUES if v in after] == []
    again = migrate(store)  # idempotent: nothing raw is left, nothing changes
    assert again.to_json() == {
        "nodes": dict.fromkeys(done.nodes, 0),
        "identifiers": 0,
        "vaulted": 0,
    }
    assert _dump(store) == after
    vault = pii_for_store(store).vault
    assert stat.S_IMODE(os.stat(vault.path).st_mode) == 0o600
    blob = vault.path.read_bytes()
    assert [v for v in PERSONAL_VALUES if v.encode() in blob] == []


def test_unmask_reads_the_vault(store: Store) -> None:
    seed(store)
    out = unmask_entity(store, "participant", "P1", "case 2024-017 evidence")
    assert out["properties"]["id_number"] == ID_NUMBER
    assert out["properties"]["name"] == NAME
    assert {i["value"] for i in out["identifiers"]} == {PHONE, ADDRESS, BANK}
    doctor = unmask_entity(store, "doctor", "D1", "case 2024-017 evidence")
    assert doctor["properties"]["name"] == DOCTOR_NAME


def test_search_by_exact_raw_values_finds_the_entity(store: Store) -> None:
    seed(store)
    by_idn = search(store, ID_NUMBER.lower())  # as typed: lower-case x
    assert [(r["id"], r["via"]) for r in by_idn] == [("P1", "id_number")]
    assert {r["id"] for r in search(store, NAME)} == {"P1"}
    assert {r["id"] for r in search(store, DOCTOR_NAME)} == {"D1"}
    phone = {r["id"] for r in search(store, f"+86 {PHONE[:3]}-{PHONE[3:7]} {PHONE[7:]}")}
    assert {"P1", "P2"} <= phone  # both holders, and the identifier itself
    assert search(store, NAME[:1] + "**") == []  # a masked form finds nothing
