#!/usr/bin/env python3
"""Verify a graphsvc case package with nothing but the fund's public key.

Why a standalone file: the public-security liaison who receives a package must be
able to check it on their own machine, without graphsvc, its store or any secret.
This file needs only the Python standard library and, for the signature, the
``cryptography`` package (``pip install cryptography``); it is shipped inside every
package as ``verify_package.py`` and graphsvc's own ``case verify`` runs this same
code, so the two can never disagree.

Usage::

    python3 verify_package.py C-000001.zip --public-key fund-signing.pub.pem
    python3 verify_package.py extracted-dir/ --public-key fund-signing.pub.pem

Every check is reported on its own line::

    zip: ok                       or  zip: corrupt (<reason>)   (nothing else is checked)
    manifest: ok                  or  manifest: missing / unreadable (<reason>)
    files: ok (14 files)          or  files: changed <path> / missing <path> / added <path>
    signature: valid (Ed25519, key id <id>)
                                  or  signature: invalid (...) / not checked (...) / missing
    audit head: seq <n>, record of <time> (...)   the fund's audit log at export: keep it

Exit code 0 only when every file matches the manifest and the signature is valid;
1 otherwise; 2 for usage errors. The same hashes are in ``SHA256SUMS`` for
``sha256sum -c SHA256SUMS`` in the extracted folder (that checks content only, not
origin: the signature over ``manifest.json`` does that).

Older packages (format ``graphsvc-case-package/1``) were signed with HMAC-SHA256
under the fund's shared key; ``--hmac-key`` checks those. New packages are Ed25519.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
ED25519 = "Ed25519"
HMAC_SHA256 = "HMAC-SHA256"  # format /1 packages only


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(obj: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def unsigned(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k != "signature"}


def public_key_id(raw_public: bytes) -> str:
    """Names a public key: the first 16 hex digits of SHA-256 of its 32 raw bytes."""
    return sha256_hex(raw_public)[:16]


def sums_text(files: Mapping[str, bytes]) -> bytes:
    """``sha256sum`` format (two spaces, text mode), sorted by path."""
    return "".join(f"{sha256_hex(files[p])}  {p}\n" for p in sorted(files)).encode()


@dataclass
class Verification:
    """What the checks found; ``ok`` only when every check passed."""

    zip_error: str | None = None
    manifest_error: str | None = None
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    signature: str = "not checked"  # valid | invalid | not checked | missing
    signature_note: str = ""
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def files_ok(self) -> bool:
        return (
            self.zip_error is None
            and self.manifest_error is None
            and not (self.changed or self.missing or self.added)
        )

    @property
    def ok(self) -> bool:
        return self.files_ok and self.signature == "valid"

    def lines(self) -> list[str]:
        """One line per check (and per file problem), in the order they ran."""
        if self.zip_error is not None:
            return [f"zip: corrupt ({self.zip_error})"]
        out = ["zip: ok"]
        if self.manifest_error is not None:
            return [*out, f"manifest: {self.manifest_error}"]
        out.append("manifest: ok")
        if self.changed or self.missing or self.added:
            out += [f"files: changed {p}" for p in self.changed]
            out += [f"files: missing {p}" for p in self.missing]
            out += [f"files: added {p}" for p in self.added]
        else:
            out.append(f"files: ok ({len(self.manifest.get('files', []))} files)")
        note = f" ({self.signature_note})" if self.signature_note else ""
        out.append(f"signature: {self.signature}{note}")
        head = self.manifest.get("audit_head")
        if isinstance(head, dict):  # information, covered by the signature above
            out.append(
                f"audit head: seq {head.get('seq')}, record of {head.get('ts')} "
                f"(keep it; the fund checks its log with: graphsvc audit verify --head "
                f"{head.get('seq')}:{head.get('hash')})"
            )
        return out

    def problems(self) -> list[str]:
        """The lines that are not ``ok`` / ``valid``."""
        return [
            line
            for line in self.lines()
            if not line.startswith(
                ("zip: ok", "manifest: ok", "files: ok", "signature: valid", "audit head:")
            )
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "files_ok": self.files_ok,
            "zip_error": self.zip_error,
            "manifest_error": self.manifest_error,
            "changed": self.changed,
            "missing": self.missing,
            "added": self.added,
            "signature": self.signature,
            "signature_note": self.signature_note,
            "case_id": self.manifest.get("case_id"),
            "lines": self.lines(),
        }


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


def read_dir(root: Path) -> dict[str, bytes]:
    """An extracted package: every file under ``root`` by its relative POSIX path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _check_ed25519(manifest: Mapping[str, Any], sig: Mapping[str, Any], pem: bytes) -> str:
    """'' when valid, else why not."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        return "cannot check: the 'cryptography' package is not installed"
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        return f"public key unreadable: {exc}"
    if not isinstance(key, Ed25519PublicKey):
        return "the public key is not an Ed25519 key"
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if sig.get("key_id") != public_key_id(raw):
        return f"signed by key id {sig.get('key_id')}, the public key given is {public_key_id(raw)}"
    try:
        key.verify(
            base64.b64decode(str(sig.get("value", "")), validate=True),
            canonical(unsigned(manifest)),
        )
    except (InvalidSignature, ValueError):
        return "does not match: manifest.json altered after signing"
    return ""


def verify_files(
    files: Mapping[str, bytes],
    public_key_pem: bytes | None,
    *,
    hmac_key: str | None = None,
) -> Verification:
    """Check every listed file's hash and size, extra or missing files, the signature."""
    v = Verification()
    files = dict(files)
    raw = files.pop(MANIFEST, None)
    if raw is None:
        v.manifest_error = f"missing ({MANIFEST} not in the package)"
        return v
    try:
        manifest = json.loads(raw.decode("utf-8"))
        listed = {str(f["path"]): f for f in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        v.manifest_error = f"unreadable ({exc})"
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
    sig = manifest.get("signature")
    if not isinstance(sig, dict):
        v.signature, v.signature_note = "missing", "the manifest carries no signature"
    elif sig.get("alg") == ED25519:
        if public_key_pem is None:
            v.signature_note = f"no public key given; signed by key id {sig.get('key_id')}"
        else:
            why = _check_ed25519(manifest, sig, public_key_pem)
            if why.startswith("cannot check"):
                v.signature_note = why
            elif why:
                v.signature, v.signature_note = "invalid", why
            else:
                v.signature = "valid"
                v.signature_note = f"{ED25519}, key id {sig.get('key_id')}"
    elif sig.get("alg") == HMAC_SHA256:
        if hmac_key is None:
            v.signature_note = "old HMAC-SHA256 package: needs the fund's shared key (--hmac-key)"
        else:
            mac = hmac.new(hmac_key.encode("utf-8"), canonical(unsigned(manifest)), "sha256")
            if hmac.compare_digest(mac.hexdigest(), str(sig.get("value", ""))):
                v.signature, v.signature_note = "valid", f"{HMAC_SHA256} (old package)"
            else:
                v.signature, v.signature_note = "invalid", "HMAC does not match"
    else:
        v.signature, v.signature_note = "invalid", f"unknown algorithm {sig.get('alg')!r}"
    return v


def verify_zip(
    data: bytes, public_key_pem: bytes | None, *, hmac_key: str | None = None
) -> Verification:
    try:
        files = read_zip(data)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return Verification(zip_error=f"not a readable zip: {exc}")
    return verify_files(files, public_key_pem, hmac_key=hmac_key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_package.py", description="Verify a graphsvc case package."
    )
    parser.add_argument("package", type=Path, help="the .zip, or the folder it was extracted to")
    parser.add_argument("--public-key", type=Path, help="the fund's public key (PEM)")
    parser.add_argument("--hmac-key", help="old packages only: the fund's shared HMAC key")
    parser.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    args = parser.parse_args(argv)
    if not args.package.exists():
        parser.error(f"no such file or folder: {args.package}")
    pem = None
    if args.public_key is not None:
        if not args.public_key.is_file():
            parser.error(f"no such public key file: {args.public_key}")
        pem = args.public_key.read_bytes()
    if args.package.is_dir():
        result = verify_files(read_dir(args.package), pem, hmac_key=args.hmac_key)
    else:
        result = verify_zip(args.package.read_bytes(), pem, hmac_key=args.hmac_key)
    if args.json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(f"{line}\n" for line in result.lines()))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
