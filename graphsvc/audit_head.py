"""Audit heads held outside the machine: reading them back for ``audit verify --head``.

Why (issue #19): anchors in ``GRAPHSVC_AUDIT_ANCHOR_DIR`` help only as far as that
directory is out of a local attacker's reach; on one machine it often is not. Every
case package therefore carries the signed head of the audit log at its export
(``manifest.json`` ``audit_head``, printed in the report too), and whoever received
the package (the public-security liaison) holds a head nobody here can take back.
``audit verify --head`` accepts what they have: the package zip, its
``manifest.json``, a head as JSON, or the ``SEQ:HASH`` printed in the report.

>>> h = read_held("12:" + "ab" * 32)
>>> (h.seq, h.hash[:4], h.signature is None)
(12, 'abab', True)
>>> read_held("12:xyz")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graphsvc.errors.ConfigError: --head 12:xyz: not a package, a head file, JSON or SEQ:HASH ...
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphsvc.errors import ConfigError

_COMPACT = re.compile(r"^\s*(\d+)\s*:\s*([0-9a-fA-F]{64})\s*$")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class HeldHead:
    seq: int
    hash: str
    source: str  # where it came from, for the verify message
    ts: str | None = None
    keyed_from: int | None = None
    signature: dict[str, Any] | None = None

    def signed(self) -> dict[str, Any]:
        """The head as :meth:`AuditLog.signed_head` wrote it (what the signature covers)."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "keyed_from": self.keyed_from,
            "ts": self.ts,
            "signature": self.signature,
        }

    def compact(self) -> str:
        """``SEQ:HASH``: short enough to copy from paper into ``--head``."""
        return f"{self.seq}:{self.hash}"


def from_json(doc: Any, source: str) -> HeldHead:
    """A head from a signed-head object, or from a manifest carrying ``audit_head``."""
    if isinstance(doc, dict) and "audit_head" in doc:
        doc = doc["audit_head"]
        if doc is None:
            raise ConfigError(f"--head {source}: the package carries no audit head")
    try:
        seq, digest = int(doc["seq"]), str(doc["hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"--head {source}: no audit head (seq and hash) in it") from exc
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ConfigError(f"--head {source}: hash is not 64 hex digits")
    sig = doc.get("signature")
    kf = doc.get("keyed_from")
    return HeldHead(
        seq,
        digest,
        source,
        ts=None if doc.get("ts") is None else str(doc["ts"]),
        keyed_from=None if kf is None else int(kf),
        signature=sig if isinstance(sig, dict) else None,
    )


def read_held(arg: str) -> HeldHead:
    """A held head from a package zip, a JSON file, JSON text or ``SEQ:HASH``."""
    path = Path(arg)
    if path.is_file():
        if zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as zf:
                    raw = zf.read(MANIFEST)
            except (KeyError, zipfile.BadZipFile) as exc:
                raise ConfigError(f"--head {arg}: no readable {MANIFEST} in the zip") from exc
            return from_json(_parse(raw.decode("utf-8"), arg), f"{path.name} ({MANIFEST})")
        return from_json(_parse(path.read_text(encoding="utf-8"), arg), path.name)
    m = _COMPACT.match(arg)
    if m:
        return HeldHead(int(m.group(1)), m.group(2).lower(), f"value {m.group(1)}:…")
    if arg.lstrip().startswith("{"):
        return from_json(_parse(arg, "JSON value"), "JSON value")
    raise ConfigError(f"--head {arg}: not a package, a head file, JSON or SEQ:HASH (64 hex digits)")


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--head {source}: not JSON ({exc})") from exc
