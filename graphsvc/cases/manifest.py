"""Package manifests: hashes, an HMAC-SHA256 signature, deterministic zips, verification.

Why HMAC and not Ed25519: the fund and the public-security bureau it transfers
cases to already exchange a shared key for each liaison channel, and HMAC needs
no key infrastructure on either side; the ``key_id`` (first 16 hex digits of the
key's SHA-256) tells the recipient which key to use without revealing it. A
recipient without the key can still check every file's hash, only not the origin.

Why deterministic zips: exporting the same case twice must give byte-identical
evidence, so entries are written in sorted order with a fixed timestamp and
permissions; only ``manifest.json`` (export time, who, signature) differs.

>>> files = {"b.csv": b"x", "a.txt": b"hello"}
>>> m = build_manifest(files, {"case_id": "C-000001"}, exported_by="u", exported_at="t")
>>> [f["path"] for f in m["files"]]
['a.txt', 'b.csv']
>>> signed = sign_manifest(m, "k")
>>> verify_signature(signed, "k"), verify_signature(signed, "other")
(True, False)
>>> zip_bytes = write_zip({**files, MANIFEST: manifest_bytes(signed)})
>>> verify_package(zip_bytes, "k").ok
True
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MANIFEST = "manifest.json"
FORMAT = "graphsvc-case-package/1"
SIGNATURE_ALG = "HMAC-SHA256"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: nothing real


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key_id(key: str) -> str:
    """Names a key without revealing it (the first 16 hex digits of its SHA-256)."""
    return sha256_hex(key.encode("utf-8"))[:16]


def canonical(obj: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def build_manifest(
    files: Mapping[str, bytes],
    meta: Mapping[str, Any],
    *,
    exported_by: str,
    exported_at: str,
) -> dict[str, Any]:
    """Every file's hash and size plus the case's identity (``meta``); unsigned."""
    if MANIFEST in files:
        raise ValueError("the manifest cannot list itself")
    return {
        "format": FORMAT,
        **dict(meta),
        "exported_by": exported_by,
        "exported_at": exported_at,
        "files": [
            {"path": path, "sha256": sha256_hex(files[path]), "size": len(files[path])}
            for path in sorted(files)
        ],
    }


def _unsigned(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k != "signature"}


def sign_manifest(manifest: Mapping[str, Any], key: str) -> dict[str, Any]:
    body = _unsigned(manifest)
    mac = hmac.new(key.encode("utf-8"), canonical(body), hashlib.sha256).hexdigest()
    return {**body, "signature": {"alg": SIGNATURE_ALG, "key_id": key_id(key), "value": mac}}


def verify_signature(manifest: Mapping[str, Any], key: str) -> bool:
    sig = manifest.get("signature")
    if not isinstance(sig, dict) or sig.get("alg") != SIGNATURE_ALG:
        return False
    expected = hmac.new(key.encode("utf-8"), canonical(_unsigned(manifest)), hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), str(sig.get("value", "")))


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def write_zip(files: Mapping[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the file names and contents."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # The manifest last so a reader streaming the zip has seen every file first.
        for path in sorted(files, key=lambda p: (p == MANIFEST, p)):
            info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever machine exports
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[path], compresslevel=9)
    return buf.getvalue()


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every regular file of a zip (directories skipped); duplicates are an error."""
    out: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            if info.filename in out:
                raise ValueError(f"duplicate entry {info.filename!r}")
            out[info.filename] = zf.read(info)
    return out


@dataclass
class Verification:
    """What ``verify`` found; ``ok`` only when every check passed."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    signature: str = "unchecked"  # valid | invalid | unchecked | missing
    errors: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return (
            not (self.changed or self.missing or self.added or self.errors)
            and self.signature == "valid"
        )

    def problems(self) -> list[str]:
        """One line per problem, naming the file."""
        out = [f"changed: {p}" for p in self.changed]
        out += [f"missing: {p}" for p in self.missing]
        out += [f"added: {p}" for p in self.added]
        if self.signature == "invalid":
            out.append("signature: does not match (manifest altered or another key)")
        elif self.signature == "missing":
            out.append("signature: absent")
        elif self.signature == "unchecked":
            out.append("signature: not checked (no key)")
        out += self.errors
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "changed": self.changed,
            "missing": self.missing,
            "added": self.added,
            "signature": self.signature,
            "errors": self.errors,
            "case_id": self.manifest.get("case_id"),
        }


def verify_package(data: bytes, key: str | None) -> Verification:
    """Check every listed file's hash and size, extra or missing files, the signature."""
    v = Verification()
    try:
        files = read_zip(data)
    except (zipfile.BadZipFile, ValueError) as exc:
        v.errors.append(f"not a readable zip: {exc}")
        return v
    raw = files.pop(MANIFEST, None)
    if raw is None:
        v.missing.append(MANIFEST)
        return v
    try:
        manifest = json.loads(raw.decode("utf-8"))
        listed = {str(f["path"]): f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        v.errors.append(f"{MANIFEST}: unreadable ({exc})")
        return v
    v.manifest = manifest
    for path in sorted(listed):
        entry = listed[path]
        if path not in files:
            v.missing.append(path)
        elif sha256_hex(files[path]) != entry.get("sha256") or len(files[path]) != entry.get(
            "size"
        ):
            v.changed.append(path)
    v.added = sorted(p for p in files if p not in listed)
    if "signature" not in manifest:
        v.signature = "missing"
    elif key is not None:
        v.signature = "valid" if verify_signature(manifest, key) else "invalid"
    return v
