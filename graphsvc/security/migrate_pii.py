"""``graphsvc store migrate-pii``: move the raw personal values of an existing graph into
the vault and leave pseudonyms and masked forms in their place (issue #14).

Why a migration and not a reload: a store loaded before pseudonymisation holds raw ID
numbers, names and identifier values that any console query can reassemble; reloading
would need every source file again. This reads each node once, applies the loader's
own :func:`graphsvc.security.vault.protect`, seals the raw values in the vault, and
only then overwrites the graph (so a crash in between loses nothing: re-run it).

Idempotent: a value whose pseudonym is already there (``name_key``, ``id_number_key``,
``<column>_key``, an identifier's ``key``) is left alone, so a second run changes nothing
and never seals a masked form over the raw value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphsvc import model
from graphsvc.contract.normalise import normalise_identifier
from graphsvc.security.vault import Pii, pii_for_store, protect

PAGE = 10_000
# label -> (loader table, key column): nodes whose properties may hold personal data
LABELS: dict[str, tuple[str, str]] = {
    model.PARTICIPANT: ("participants", "participant_id"),
    model.DOCTOR: ("doctors", "doctor_id"),
    model.INSTITUTION: ("institutions", "institution_id"),
    model.PRESCRIPTION: ("prescriptions", "prescription_id"),
    model.REFERRAL: ("referrals", "referral_id"),
}
# Labels whose free text (reasons, evidence, notes) may quote a value: masked in place.
# These are derived (detection, case work): the raw value is in the vault already.
TEXT_LABELS: tuple[str, ...] = (model.RING, model.CASE)
# Properties the loader writes itself that are never personal (not to be re-examined).
_STRUCTURAL = frozenset({"id", "row_hash", "load_id", "id_bucket", "surname_key", "key"})


@dataclass
class Migrated:
    nodes: dict[str, int] = field(default_factory=dict)
    identifiers: int = 0
    vaulted: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "identifiers": self.identifiers, "vaulted": self.vaulted}


def _text(store: Any, name: str, label: str) -> str:
    return str(store.named(name).text).replace("`$label`", f"`{label}`")


def node_update(pii: Pii, label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """The properties to SET on one node (empty: nothing raw left on it)."""
    table, key_col = LABELS[label]
    rec: dict[str, Any] = {key_col: props.get("id")}
    legacy = False
    person = label in (model.PARTICIPANT, model.DOCTOR)
    if person and props.get("name") and not props.get("name_key"):
        rec["name"] = str(props["name"])
        legacy = True
    if label == model.PARTICIPANT and props.get("id_number") and not props.get("id_number_key"):
        rec["id_number"] = str(props["id_number"]).strip().upper()
        legacy = True
    skip = _STRUCTURAL | {"name", "id_number"}
    extra = {
        k: v
        for k, v in props.items()
        if isinstance(v, str)
        and k not in skip
        and not k.endswith("_key")
        and f"{k}_key" not in props
    }
    before = dict(extra)
    protect(pii, table, rec, extra)
    out = {k: v for k, v in rec.items() if k != key_col}
    out.update({k: v for k, v in extra.items() if before.get(k) != v})
    if out and legacy and props.get("row_hash"):
        # the loader now stores keyed row hashes; the same row reloaded stays unchanged
        out["row_hash"] = pii.key("row_hash", str(props["row_hash"]))
    return out


def text_update(props: Mapping[str, Any]) -> dict[str, Any]:
    """Free-text properties of a ring or case with quoted ID/phone/card numbers masked."""
    from graphsvc.privacy import TEXT_KEYS, mask_any, mask_text

    out: dict[str, Any] = {}
    for k, v in props.items():
        if k in TEXT_KEYS and isinstance(v, str | list):
            new = mask_text(v) if isinstance(v, str) else mask_any(v)
            if new != v:
                out[k] = new
    return out


def _bound(store: Any) -> int:
    return int(store.run("detect_read_id_bound").scalar() or 0)


def migrate(store: Any, *, page: int = PAGE) -> Migrated:
    """Pseudonymise every raw personal value of ``store``'s graph (idempotent)."""
    pii = pii_for_store(store)
    done = Migrated()
    before = pii.vault.count()
    bound = _bound(store)
    for label in LABELS:
        read, write = (
            _text(store, "store_pii_nodes", label),
            _text(store, "store_pii_set_nodes", label),
        )
        n = 0
        for lo in range(0, bound, page):
            rows = []
            for rec in store.query(read, {"lo": lo, "hi": lo + page}).records():
                update = node_update(pii, label, dict(rec["props"] or {}))
                if update:
                    rows.append({"id": rec["id"], "props": update})
            if rows:
                pii.vault.flush()  # sealed before the graph forgets the raw values
                store.query(write, {"rows": rows}, write=True)
                n += len(rows)
        done.nodes[label] = n
    for label in TEXT_LABELS:
        read, write = (
            _text(store, "store_pii_nodes", label),
            _text(store, "store_pii_set_nodes", label),
        )
        n = 0
        for lo in range(0, bound, page):
            recs = store.query(read, {"lo": lo, "hi": lo + page}).records()
            rows = [
                {"id": r["id"], "props": u} for r in recs if (u := text_update(r["props"] or {}))
            ]
            if rows:
                store.query(write, {"rows": rows}, write=True)
                n += len(rows)
        done.nodes[label] = n
    while True:
        batch = store.run("store_pii_identifiers", {"limit": page}).records()
        if not batch:
            break
        rows = []
        for r in batch:
            kind = str(r["kind"] or "device")
            rec = {"kind": kind, "value": normalise_identifier(kind, str(r["value"] or ""))}
            protect(pii, "identifiers", rec, {})
            rows.append(
                {
                    "old": r["id"],
                    "id": rec["identifier_id"],
                    "key": rec["key"],
                    "value": rec["value"],
                }
            )
        pii.vault.flush()
        store.run("store_pii_set_identifiers", {"rows": rows})
        done.identifiers += len(rows)
    store.checkpoint()
    done.vaulted = pii.vault.count() - before
    return done
