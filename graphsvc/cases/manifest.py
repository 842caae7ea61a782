"""Package manifests: hashes, an Ed25519 signature, SHA256SUMS, deterministic zips.

Why Ed25519 (and no longer HMAC): the liaison must check a package's origin alone,
with only the fund's published public key; anyone who can check an HMAC can also
forge one. The signature covers the manifest's canonical JSON, the manifest lists
every other file's SHA-256 and size, so one signature covers the whole package.
``SHA256SUMS`` repeats the hashes in the format ``sha256sum -c`` reads, and
``verify_package.py`` (graphsvc/cases/verifier.py, stdlib + cryptography) is shipped
inside so the recipient needs nothing from us but the public key. Old packages
(format /1, HMAC-SHA256) still verify with the shared key; nothing new is HMAC-signed.

Why deterministic zips: exporting the same case twice must give byte-identical
evidence, so entries are written in sorted order with a fixed timestamp and
permissions; only ``manifest.json`` (export time, who, signature) differs.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> from graphsvc.security import keys
>>> k = Ed25519PrivateKey.generate()
>>> files = with_verifier({"b.csv": b"x", "a.txt": b"hello"})
>>> sorted(files)
['SHA256SUMS', 'a.txt', 'b.csv', 'verify_package.py']
>>> m = build_manifest(files, {"case_id": "C-1"}, exported_by="u", exported_at="t")
>>> m = sign_manifest(m, k)
>>> zip_bytes = write_zip({**files, MANIFEST: manifest_bytes(m)})
>>> verify_package(zip_bytes, keys.public_pem(k)).ok
True
>>> verify_package(zip_bytes, None).lines()[-1].startswith("signature: not checked")
True
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.cases import verifier
from graphsvc.cases.verifier import (
    MANIFEST,
    SUMS,
    Verification,
    canonical,
    read_zip,
    sha256_hex,
    unsigned,
)

__all__ = [
    "MANIFEST",
    "SUMS",
    "VERIFIER",
    "Verification",
    "build_manifest",
    "canonical",
    "manifest_bytes",
    "read_zip",
    "sha256_hex",
    "sign_manifest",
    "verify_package",
    "with_verifier",
    "write_zip",
]

FORMAT = "graphsvc-case-package/2"
VERIFIER = "verify_package.py"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: nothing real


def verifier_source() -> bytes:
    return Path(verifier.__file__).read_bytes()


def with_verifier(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The package's files plus the standalone verifier and ``SHA256SUMS`` over both."""
    out = {**files, VERIFIER: verifier_source()}
    for reserved in (MANIFEST, SUMS):
        if reserved in files:
            raise ValueError(f"{reserved} is written by the package, not given")
    out[SUMS] = verifier.sums_text(out)
    return out


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


def sign_manifest(manifest: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    from graphsvc.security import keys

    body = unsigned(manifest)
    return {**body, "signature": keys.sign(key, canonical(body))}


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


def verify_package(
    data: bytes, public_key_pem: bytes | None, *, hmac_key: str | None = None
) -> Verification:
    """The standalone verifier's checks (the same code the liaison runs)."""
    return verifier.verify_zip(data, public_key_pem, hmac_key=hmac_key)
