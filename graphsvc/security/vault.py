"""Personal data out of the graph: keyed pseudonyms for matching, raw values in a vault.

Why (issue #14): masking answers on the way out cannot hold against a query language;
``split``, ``substring``, ``STARTS WITH`` probing or a comparison reassemble any value
the graph holds. So the graph holds none. At load every ID number, name, phone,
address, bank account, device and e-mail becomes

* a **pseudonym**: HMAC-SHA-256 under a key kept outside the store, so equal values
  still match (shared identifiers, duplicate enrolments, search by an exact value)
  while a console user who lacks the key can neither invert nor confirm a guess;
* a **masked display form** (``graphsvc.privacy.mask_value``), what pages show anyway;
* and its raw value, encrypted with AES-256-GCM (``cryptography``), in a SQLite
  **vault** beside the store (mode 0600), keyed by entity label + id + field, read
  only by the audited unmask path and authorised exports.

The two keys live in :attr:`Settings.pii_key_dir` (default: the data directory),
created 0600 atomically (``graphsvc.security.secretfile``), never inside the vault
file: a copied vault without its key is ciphertext. The field name and entity are
the AEAD's associated data, so a ciphertext moved to another entity fails to open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from graphsvc.security.secretfile import create_empty_private, read_or_create

if TYPE_CHECKING:
    from graphsvc.config import Settings

HMAC_KEY_FILE = ".pii_hmac_key"
VAULT_KEY_FILE = ".pii_vault_key"
VAULT_DIR = "pii_vault"
PSEUDONYM_HEX = 32  # 128 bits: collisions are out of reach at any province's size
NONCE_BYTES = 12

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pii (
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field TEXT NOT NULL,
    nonce BLOB NOT NULL,
    sealed BLOB NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
)
"""


def _key_file(path: Path) -> bytes:
    """32 random bytes kept base64 in a 0600 file (created once, atomically)."""
    text = read_or_create(path, base64.b64encode(os.urandom(32)))
    key = base64.b64decode(text.strip())
    if len(key) != 32:
        raise ValueError(f"{path.name} does not hold a 32-byte key")
    return key


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """The keyed pseudonym of one normalised value; ``kind`` separates domains, so the
    same digits as a phone and as a bank account give unrelated pseudonyms.

    >>> k = bytes(32)
    >>> pseudonym(k, "phone", "13800138000") == pseudonym(k, "phone", "13800138000")
    True
    >>> pseudonym(k, "phone", "13800138000") == pseudonym(k, "bank_account", "13800138000")
    False
    >>> len(pseudonym(k, "name", "张三"))
    32
    """
    mac = hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:PSEUDONYM_HEX]


class Vault:
    """Raw personal values, sealed with AES-GCM, in one SQLite file (0600).

    Writes are buffered (:meth:`put`) and committed by :meth:`flush`: the loader
    flushes after each table, before the graph's rows refer to the values.
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._aead = AESGCM(key)
        self._pending: dict[tuple[str, str, str], str] = {}
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        create_empty_private(path)  # 0600 before SQLite writes a byte
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    @staticmethod
    def _aad(entity: str, entity_id: str, name: str) -> bytes:
        return f"{entity}\x1f{entity_id}\x1f{name}".encode()

    def put(self, entity: str, entity_id: str, name: str, value: str) -> None:
        with self._lock:
            self._pending[(entity, entity_id, name)] = value

    def flush(self) -> int:
        """Seal and commit the buffered values; the number written."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        rows = []
        for (entity, entity_id, name), value in pending.items():
            nonce = os.urandom(NONCE_BYTES)
            sealed = self._aead.encrypt(nonce, value.encode(), self._aad(entity, entity_id, name))
            rows.append((entity, entity_id, name, nonce, sealed))
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO pii VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def get(self, entity: str, entity_id: str) -> dict[str, str]:
        """Every raw field of one entity (empty: nothing vaulted)."""
        self.flush()
        with self._connect() as db:
            rows = db.execute(
                "SELECT field, nonce, sealed FROM pii WHERE entity = ? AND entity_id = ?",
                (entity, entity_id),
            ).fetchall()
        out: dict[str, str] = {}
        for name, nonce, sealed in rows:
            out[str(name)] = self._aead.decrypt(
                nonce, sealed, self._aad(entity, entity_id, str(name))
            ).decode()
        return out

    def get_many(self, entity: str, ids: Iterable[str]) -> dict[str, dict[str, str]]:
        return {i: got for i in ids if (got := self.get(entity, i))}

    def count(self) -> int:
        self.flush()
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM pii").fetchone()[0])


@dataclass
class Pii:
    """The pseudonym key and the vault of one graph."""

    hmac_key: bytes
    vault: Vault
    _cache: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def key(self, kind: str, value: str) -> str:
        """The pseudonym of ``value`` as a ``kind`` (memoised: loads repeat values)."""
        k = (kind, value)
        got = self._cache.get(k)
        if got is None:
            got = pseudonym(self.hmac_key, kind, value)
            if len(self._cache) < 1_000_000:
                self._cache[k] = got
        return got

    def unique_key(self, kind: str, value: str) -> str:
        """:meth:`key` for a value that does not repeat (a row's content hash): not
        memoised, so a 1.2M-settlement load does not fill the cache with them."""
        return pseudonym(self.hmac_key, kind, value)


_OPEN: dict[tuple[str, str], Pii] = {}
_OPEN_LOCK = threading.Lock()


def open_pii(key_dir: Path, vault_dir: Path, graph: str) -> Pii:
    """The keys in ``key_dir`` (created on first use) and ``graph``'s vault file."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in graph) or "graph"
    vault_path = vault_dir / VAULT_DIR / f"{safe}.sqlite"
    k = (str(key_dir.resolve()), str(vault_path.resolve()))
    with _OPEN_LOCK:
        got = _OPEN.get(k)
        if got is None:
            key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            got = Pii(
                _key_file(key_dir / HMAC_KEY_FILE),
                Vault(vault_path, _key_file(key_dir / VAULT_KEY_FILE)),
            )
            _OPEN[k] = got
        return got


def pii_for_settings(settings: Settings) -> Pii:
    data_dir = settings.ensure_data_dir()
    return open_pii(
        settings.pii_key_dir or data_dir, settings.pii_vault_dir or data_dir, settings.graph_name
    )


def pii_for_store(store: Any) -> Pii:
    """The Pii of the graph ``store`` serves (its settings, set by ``open_store``)."""
    settings = getattr(store, "settings", None)
    if settings is None:
        from graphsvc.config import get_settings

        settings = get_settings().model_copy(
            update={"graph_name": str(getattr(store, "graph_name", "graphsvc"))}
        )
    return pii_for_settings(settings)


# -- what the loader stores instead of raw values -----------------------------------

# table -> (label, key column): whose vault entry an extra column's raw value becomes
_ENTITY: dict[str, tuple[str, str]] = {
    "participants": ("Participant", "participant_id"),
    "doctors": ("Doctor", "doctor_id"),
    "institutions": ("Institution", "institution_id"),
    "prescriptions": ("Prescription", "prescription_id"),
    "referrals": ("Referral", "referral_id"),
    "identifiers": ("Identifier", "identifier_id"),
    "family_links": ("FamilyLink", "member_id"),
    "prescription_items": ("Prescription", "prescription_id"),
}


def id_bucket(number: str) -> str:
    """Birthplace + birth date + sex of a GB 11643 number (where a coincidence can happen);
    ``duplicate_enrolment`` only compares these, so the graph keeps their pseudonym.

    >>> id_bucket("46010019900101123X")
    '460100199001011'
    """
    sex = int(number[16]) % 2 if len(number) > 16 and number[16].isdigit() else 0
    return number[:14] + str(sex)


def protect(pii: Pii, table: str, rec: dict[str, Any], extra: dict[str, str]) -> None:
    """Replace the personal values of one validated row in place (issue #14).

    Runs after the loader's rules (check digit, normalisation), so pseudonyms are of
    the normalised value: ``+86 138-0013-8000`` and ``13800138000`` stay one phone.
    Raw values are queued in the vault under (label, id, field).
    """
    from graphsvc.privacy import field_kind, mask_text, mask_value

    label, key_col = _ENTITY.get(table, (table, ""))
    if table == "identifiers":
        kind, raw = str(rec["kind"]), str(rec["value"])
        k = pii.key(kind, raw)
        rec["identifier_id"] = f"{kind}:{k}"
        rec["key"] = k
        rec["value"] = mask_value(kind, raw)
        pii.vault.put("Identifier", rec["identifier_id"], "value", raw)
    entity_id = str(rec.get(key_col) or "")
    if table in ("participants", "doctors"):
        name = rec.get("name")
        if name:
            pii.vault.put(label, entity_id, "name", str(name))
            rec["name_key"] = pii.key("name", str(name))
            rec["surname_key"] = pii.key("surname", str(name)[:1])
            rec["name"] = mask_value("name", str(name))
    if table == "participants":
        number = rec.get("id_number")
        if number:
            pii.vault.put(label, entity_id, "id_number", str(number))
            rec["id_number_key"] = pii.key("id_number", str(number))
            rec["id_bucket"] = pii.key("id_bucket", id_bucket(str(number)))
            rec["id_number"] = mask_value("id_number", str(number))
    for col in list(extra):
        value = extra[col]
        if not value:
            continue
        fkind = field_kind(label if label in ("Participant", "Doctor") else "", col)
        masked = mask_value(fkind, value) if fkind else mask_text(value)
        if masked == value and fkind is None:
            continue  # nothing personal in it
        where = entity_id
        if table == "identifiers":
            where = f"{rec['identifier_id']}@{rec.get('participant_id', '')}"
        pii.vault.put(label, where, f"extra:{col}", value)
        extra[col] = masked
        if fkind is not None:
            extra[f"{col}_key"] = pii.key(fkind, value.strip())


def reveal(pii: Pii, label: str, entity_id: str, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with the vault's raw values put back (the audited unmask path only)."""
    out = dict(props)
    for name, value in pii.vault.get(label, entity_id).items():
        out[name.removeprefix("extra:")] = value
    return out


def keyed_search(pii: Pii, keys: dict[str, Any]) -> dict[str, Any]:
    """Search keys (``graphsvc.services.explore.search_keys``: normalised like the loader)
    turned into what the graph holds: the same keyed pseudonyms, so an exact ID number,
    phone or name still finds its entity while the graph holds none of them.

    >>> from graphsvc.security.vault import Pii
    >>> p = Pii(bytes(32), None)  # type: ignore[arg-type]
    >>> k = keyed_search(p, {"q": "王小明", "id_number": None, "identifier_ids": ["phone:138"]})
    >>> k["identifier_ids"] == ["phone:" + pseudonym(bytes(32), "phone", "138")]
    True
    >>> k["name_key"] == pseudonym(bytes(32), "name", "王小明"), k["id_number_key"]
    (True, None)
    """
    out = dict(keys)
    idn = keys.get("id_number")
    out["id_number_key"] = pii.key("id_number", str(idn)) if idn else None
    out["name_key"] = pii.key("name", str(keys.get("q", "")))
    ids = []
    for ident in keys.get("identifier_ids", []):
        kind, _, value = str(ident).partition(":")
        ids.append(f"{kind}:{pii.key(kind, value)}")
    out["identifier_ids"] = ids
    return out
