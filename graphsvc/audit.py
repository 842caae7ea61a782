"""The audit trail: append-only, hash-chained JSON lines in ``DATA_DIR/audit/audit.jsonl``.

Why a chain: enforcement must keep full-process records (Heilongjiang opinion (11))
that nobody can quietly edit. Each record holds the SHA-256 of the one before and
its own hash over its canonical JSON, so an edited, removed or reordered line
breaks the chain at that line.

Why keyed (issue #19): a plain hash chain can be recomputed by anyone who can write
the file, so appended forgeries verified as intact. Every record now also carries
``mac``, an HMAC-SHA256 of its hash under the audit key, a file kept *outside* the
audit directory (``GRAPHSVC_AUDIT_KEY_FILE``; default ``DATA_DIR/keys/``, point it
at another mount in production). Records written before keying verify as "legacy,
unkeyed up to seq N"; an unkeyed record after a keyed one is a forgery.

Why anchors: removing records from the end leaves a valid chain, and restoring an
older ``audit.head`` (last seq and hash, HMAC'd) hid that. So every
``GRAPHSVC_AUDIT_ANCHOR_EVERY`` records and on each successful ``verify`` a head
signed with the fund's Ed25519 key (:mod:`graphsvc.security.keys`) is appended to
``audit-anchors.jsonl`` in a separate directory (``GRAPHSVC_AUDIT_ANCHOR_DIR``),
meant to sit where a local attacker cannot write (another mount, a shipped copy).
A log shorter than its latest anchor, or differing from it, fails ``verify``.

Why ``via`` (issue #14): a user name alone cannot tell which credential acted, so a
token someone else minted, or a stolen session, would hide behind its owner. Every
record names the credential: ``token:<token id>``, ``session:<first 16 hex of the
session id's SHA-256>`` (the id itself is a secret and never written), or
``local:<OS user>`` for the CLI and other local processes.

Every append is flushed and fsync'd before returning, so a response never leaves
before its record is on disk. Appends from the server and the CLI at the same time
are serialised with an exclusive ``flock``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphsvc.config import Settings

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from graphsvc.audit_head import HeldHead

log = logging.getLogger(__name__)

GENESIS = "0" * 64
MAX_TEXT = 20_000  # longest query text / detail string kept in a record
ANCHORS_FILE = "audit-anchors.jsonl"
AUDIT_KEY_FILE = "audit_hmac.key"


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 over every field but ``hash`` and ``mac`` (so legacy records hash as before)."""
    body = {k: v for k, v in record.items() if k not in ("hash", "mac")}
    return hashlib.sha256(_canonical(body)).hexdigest()


def record_mac(key: bytes, digest: str) -> str:
    """HMAC-SHA256 of a record's hash (which covers every other field) under the audit key."""
    return hmac.new(key, f"record:{digest}".encode(), hashlib.sha256).hexdigest()


def audit_key(settings: Settings) -> bytes:
    """The audit HMAC key: read, or created 0600 on first use (dir 0700).

    Why not the server secret: that one sits in the data directory beside the log.
    """
    import secrets

    from graphsvc.security.keys import keys_dir
    from graphsvc.security.secretfile import read_or_create

    path = settings.audit_key_file or keys_dir(settings) / AUDIT_KEY_FILE
    return read_or_create(path, secrets.token_hex(32).encode()).strip()


def local_via() -> str:
    """``local:<OS user>``: records written by the CLI or another local process."""
    import getpass

    try:
        return f"local:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "local:unknown"


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"…[{len(value) - MAX_TEXT} more chars]"
    if isinstance(value, dict):
        return {str(k): _clip(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clip(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    bad_line: int | None = None
    reason: str = ""
    bad_seq: int | None = None  # the first record found wrong (or missing)
    legacy_until: int = 0  # records 1..N carry no MAC (written before keying)
    anchored: int = 0  # sequence number of the latest signed anchor checked
    held: int = 0  # highest externally held head checked (``verify(held=...)``)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "bad_line": self.bad_line,
            "bad_seq": self.bad_seq,
            "reason": self.reason,
            "legacy_until": self.legacy_until,
            "anchored": self.anchored,
            "held": self.held,
        }

    def summary(self) -> str:
        """One line for people: what was checked and, if broken, which record and how."""
        notes = []
        if self.legacy_until:
            notes.append(f"legacy, unkeyed up to seq {self.legacy_until}")
        notes.append(f"anchored at seq {self.anchored}" if self.anchored else "no anchor yet")
        if self.held:
            notes.append(f"matches the held head of seq {self.held}")
        if self.ok:
            return f"intact: {self.records} records ({'; '.join(notes)})"
        where = f"line {self.bad_line}" + (f", seq {self.bad_seq}" if self.bad_seq else "")
        return (
            f"BROKEN at {where}: {self.reason} "
            f"({self.records} records verified before it; {'; '.join(notes)})"
        )


class AuditLog:
    """One audit file, its HMAC'd head and (with a signer) its signed anchors."""

    def __init__(
        self,
        directory: Path,
        key: str | bytes,
        *,
        anchor_dir: Path | None = None,
        signer: Ed25519PrivateKey | None = None,
        anchor_every: int = 100,
        legacy_head_key: str | None = None,
    ) -> None:
        self.directory = directory
        self.path = directory / "audit.jsonl"
        self.head_path = directory / "audit.head"
        self.lock_path = directory / "audit.lock"
        self._key = key.encode() if isinstance(key, str) else key
        self._legacy_head_key = legacy_head_key.encode() if legacy_head_key else None
        self.anchor_path = (anchor_dir or directory.parent / "audit-anchors") / ANCHORS_FILE
        self._signer = signer
        self._anchor_every = max(1, anchor_every)
        self._anchored_seq: int | None = None  # latest anchor written (lazily read)
        self._first_keyed_seq = 0
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._cached: tuple[int, dict[str, Any]] | None = None  # (file size, last record)
        self._synced = 0
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(PermissionError):  # not ours: leave it to its owner
            directory.chmod(0o700)  # issue #19: older installs made it 0755
        for p in (self.path, self.lock_path):
            if not p.exists():
                p.touch(mode=0o600)
            with contextlib.suppress(PermissionError):
                p.chmod(0o600)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        from graphsvc.errors import ConfigError
        from graphsvc.security import keys

        signer: Ed25519PrivateKey | None
        try:
            signer = keys.load(settings)
        except ConfigError as exc:  # production without a signing key: chain still keyed
            log.warning("audit anchors are not signed: %s", exc)
            signer = None
        data = settings.ensure_data_dir()
        return cls(
            data / "audit",
            audit_key(settings),
            anchor_dir=settings.audit_anchor_dir or data / "audit-anchors",
            signer=signer,
            anchor_every=settings.audit_anchor_every,
            legacy_head_key=settings.resolved_secret_key(),
        )

    # -- writing -------------------------------------------------------------
    def _head_mac(self, seq: int, digest: str, key: bytes | None = None) -> str:
        return hmac.new(key or self._key, f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()

    def _mac_ok(self, record: dict[str, Any]) -> bool:
        mac = record.get("mac")
        return isinstance(mac, str) and hmac.compare_digest(
            mac, record_mac(self._key, str(record.get("hash")))
        )

    def _last_record(self) -> dict[str, Any] | None:
        size = self.path.stat().st_size
        if size == 0:
            return None
        chunk = 4096
        with self.path.open("rb") as fh:
            while True:
                start = max(0, size - chunk)
                fh.seek(start)
                data = fh.read(size - start).rstrip(b"\n")
                idx = data.rfind(b"\n")
                if idx >= 0 or start == 0:
                    line = data[idx + 1 :]
                    break
                chunk *= 4
        parsed: dict[str, Any] = json.loads(line)
        return parsed

    def append(
        self,
        *,
        user: str,
        role: str,
        action: str,
        target: str,
        outcome: str = "ok",
        rows: int | None = None,
        detail: dict[str, Any] | None = None,
        via: str | None = None,
    ) -> dict[str, Any]:
        """Write one record durably (fsync'd on return) and return it (with seq and hash).

        ``via``: the credential the request came with (see the module text); a local
        process when not given.
        """
        via = via or local_via()
        with self._lock, self.lock_path.open("a") as lock_fh:
            fcntl.flock(lock_fh, fcntl.LOCK_EX)
            try:
                last = self._tail()
                record: dict[str, Any] = {
                    "seq": (int(last["seq"]) + 1) if last else 1,
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "user": user,
                    "role": role,
                    "via": via,
                    "action": action,
                    "target": _clip(target),
                    "outcome": outcome,
                    "rows": rows,
                    "detail": _clip(detail or {}),
                    "prev": str(last["hash"]) if last else GENESIS,
                }
                record["hash"] = record_hash(record)
                record["mac"] = record_mac(self._key, record["hash"])
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
                try:
                    os.write(fd, _canonical(record) + b"\n")
                    end = os.fstat(fd).st_size
                finally:
                    os.close(fd)
                self._cached = (end, record)
            finally:
                fcntl.flock(lock_fh, fcntl.LOCK_UN)
        self._sync(end)
        return record

    def _tail(self) -> dict[str, Any] | None:
        """The last record: from memory when no other process appended since.

        A last record read from disk without a valid MAC is logged loudly: the chain
        continues (refusing would stop every request) and ``verify`` names it.
        """
        size = self.path.stat().st_size
        if self._cached is not None and self._cached[0] == size:
            return self._cached[1]
        last = self._last_record()
        if last is not None and "mac" in last and not self._mac_ok(last):
            log.error("audit record %s has a bad MAC: the log was written by someone else", last)
        return last

    def _sync(self, end: int) -> None:
        """Group commit: one fsync covers every record written before it, so concurrent
        requests do not queue one fsync each."""
        with self._sync_lock:
            if self._synced >= end:
                return
            with self._lock:
                snapshot = self._cached
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            if snapshot is not None:
                self._synced = snapshot[0]
                seq, digest = int(snapshot[1]["seq"]), str(snapshot[1]["hash"])
                self._write_head(seq, digest)
                if self._signer is not None:
                    if self._anchored_seq is None:
                        latest = self._latest_anchor()
                        self._anchored_seq = int(latest["seq"]) if latest else 0
                    if seq - self._anchored_seq >= self._anchor_every:
                        self.write_anchor(seq, digest)

    # -- anchors -------------------------------------------------------------
    def _first_keyed(self) -> int:
        """Sequence number of the first record carrying a MAC (0: none yet).

        Cached once found: anchors are written every N records, and re-reading a long
        legacy prefix each time would cost a scan of the log per anchor.
        """
        if self._first_keyed_seq:
            return self._first_keyed_seq
        for rec in self.records():
            if "mac" in rec:
                self._first_keyed_seq = int(rec["seq"])
                return self._first_keyed_seq
        return 0

    def write_anchor(self, seq: int, digest: str, ts: str | None = None) -> dict[str, Any] | None:
        """Append a head signed with the fund's Ed25519 key to the anchor file.

        ``keyed_from`` pins where MACs begin, so rewriting the log as "legacy" records
        is caught too. Returns the anchor, or None without a signer.
        """
        if self._signer is None:
            return None
        from graphsvc.security import keys

        body = {
            "seq": seq,
            "hash": digest,
            "keyed_from": self._first_keyed(),
            "ts": ts or datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        anchor = {**body, "signature": keys.sign(self._signer, _canonical(body))}
        self.anchor_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.anchor_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, _canonical(anchor) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        self._anchored_seq = seq
        return anchor

    def signed_head(self) -> dict[str, Any] | None:
        """The current head, signed, for people outside this machine to hold (issue #19).

        Case packages and their reports carry it (docs/cases.md), so a liaison holds a
        head a local attacker cannot reach; ``verify(held=...)`` (``audit verify
        --head``) then catches a log cut or rewritten below it, even with the audit key
        stolen and the local anchors and ``audit.head`` replaced. Its ``ts`` is the
        head record's own time, not the signing time, and Ed25519 signatures are
        deterministic, so the same log gives the same bytes (packages stay
        reproducible). It is also written to the anchor file when newer than the last
        anchor. None without a signing key, an empty log, or a last record whose MAC
        is wrong (a forged head is not signed).
        """
        if self._signer is None:
            return None
        with self._lock:
            last = self._tail()
        if last is None or not self._mac_ok(last):
            if last is not None:
                log.error("audit head not signed: the last record's MAC is wrong")
            return None
        from graphsvc.security import keys

        seq, digest, ts = int(last["seq"]), str(last["hash"]), str(last["ts"])
        body = {"seq": seq, "hash": digest, "keyed_from": self._first_keyed(), "ts": ts}
        head = {**body, "signature": keys.sign(self._signer, _canonical(body))}
        if self._anchored_seq is None:
            latest = self._latest_anchor()
            self._anchored_seq = int(latest["seq"]) if latest else 0
        if seq > self._anchored_seq:
            self.write_anchor(seq, digest, ts)
        return head

    def anchors(self) -> list[dict[str, Any]]:
        if not self.anchor_path.exists():
            return []
        out: list[dict[str, Any]] = []
        for line in self.anchor_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({})  # reported as unreadable by verify
        return out

    def _latest_anchor(self) -> dict[str, Any] | None:
        good = [a for a in self.anchors() if isinstance(a.get("seq"), int)]
        return max(good, key=lambda a: int(a["seq"])) if good else None

    def _anchor_signature_ok(self, anchor: dict[str, Any]) -> bool:
        import base64

        from cryptography.exceptions import InvalidSignature

        if self._signer is None:
            return False
        body = {k: v for k, v in anchor.items() if k != "signature"}
        sig = anchor.get("signature")
        if not isinstance(sig, dict):
            return False
        try:
            self._signer.public_key().verify(
                base64.b64decode(str(sig.get("value", ""))), _canonical(body)
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    def _write_head(self, seq: int, digest: str) -> None:
        """Atomic replace, not fsync'd: after a crash the head may lag the log, which
        verify accepts; it may never be ahead of it."""
        tmp = self.head_path.with_name(f"audit.head.{os.getpid()}.tmp")
        payload = json.dumps({"seq": seq, "hash": digest, "mac": self._head_mac(seq, digest)})
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, payload.encode())
        finally:
            os.close(fd)
        os.replace(tmp, self.head_path)

    # -- reading -------------------------------------------------------------
    def records(self) -> Iterator[dict[str, Any]]:
        with self.path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def search(
        self,
        *,
        user: str | None = None,
        action: str | None = None,
        target: str | None = None,
        outcome: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Newest first; ``target`` matches a substring, times compare as ISO text."""
        hits: list[dict[str, Any]] = []
        for rec in self.records():
            if user and rec.get("user") != user:
                continue
            if action and rec.get("action") != action:
                continue
            if outcome and rec.get("outcome") != outcome:
                continue
            if target and target not in str(rec.get("target", "")):
                continue
            ts = str(rec.get("ts", ""))
            if since and ts < since:
                continue
            if until and ts > until:
                continue
            hits.append(rec)
        hits.reverse()
        return len(hits), hits[offset : offset + limit]

    def verify(  # noqa: C901  (debt)
        self, *, anchor: bool = True, held: list[HeldHead] | None = None
    ) -> VerifyResult:
        """Check chain, MACs, head and anchors; name the first bad record and how.

        ``held``: heads kept outside this machine (from case packages or reports,
        :func:`graphsvc.audit_head.read_held`); the log must still hold each of them,
        the same record at the same sequence number.

        On success (and ``anchor``), a signed anchor of the current head is written, so
        each verify also pins what it saw.
        """
        prev = GENESIS
        seq = 0
        line_no = 0
        legacy_until = 0
        keyed = False
        hashes: list[str] = []

        def bad(line: int, reason: str, at: int | None = None, **kw: int) -> VerifyResult:
            return VerifyResult(
                False, seq, line, reason, bad_seq=at, legacy_until=legacy_until, **kw
            )

        with self.path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                try:
                    rec = json.loads(line)
                except ValueError:
                    return bad(line_no, "not a JSON record", seq + 1)
                if not isinstance(rec, dict):
                    return bad(line_no, "not a JSON record", seq + 1)
                if rec.get("hash") != record_hash(rec):
                    return bad(line_no, "record edited (hash mismatch)", seq + 1)
                if rec.get("prev") != prev:
                    return bad(
                        line_no,
                        "chain broken: a record before it was removed, inserted or reordered",
                        seq + 1,
                    )
                if rec.get("seq") != seq + 1:
                    return bad(line_no, f"sequence gap: expected {seq + 1}", seq + 1)
                if "mac" in rec:
                    if not self._mac_ok(rec):
                        return bad(
                            line_no,
                            f"bad MAC at seq {seq + 1}: not written with the audit key "
                            "(forged or edited with a recomputed hash)",
                            seq + 1,
                        )
                    keyed = True
                elif keyed:
                    return bad(
                        line_no,
                        f"unkeyed record at seq {seq + 1} after keyed ones: appended "
                        "without the audit key",
                        seq + 1,
                    )
                else:
                    legacy_until = seq + 1
                prev = str(rec["hash"])
                hashes.append(prev)
                seq += 1
        end = line_no + 1
        if not self.head_path.exists():
            if seq > 0:
                return bad(end, "head file missing", seq + 1)
        else:
            try:
                head = json.loads(self.head_path.read_text())
                head_seq, head_hash, mac = int(head["seq"]), str(head["hash"]), str(head["mac"])
            except (ValueError, KeyError, TypeError):
                return bad(end, "head file unreadable")
            good = hmac.compare_digest(mac, self._head_mac(head_seq, head_hash))
            if not good and self._legacy_head_key and not keyed:  # written before keying
                legacy_mac = self._head_mac(head_seq, head_hash, self._legacy_head_key)
                good = hmac.compare_digest(mac, legacy_mac)
            if not good:
                return bad(end, "head signature invalid")
            if head_seq > seq:
                return bad(
                    seq + 1,
                    f"log ends at record {seq} but the head says {head_seq}: records "
                    f"{seq + 1}..{head_seq} removed from the end",
                    seq + 1,
                )
            # The head may lag the log (it is written after the fsync, not fsync'd itself).
            if head_seq >= 1 and hashes[head_seq - 1] != head_hash:
                return bad(head_seq, "record differs from the signed head", head_seq)
        anchored = 0
        if self._signer is not None:
            first_keyed = legacy_until + 1 if keyed else 0
            for n, a in enumerate(self.anchors(), start=1):
                if not self._anchor_signature_ok(a):
                    return bad(end, f"{self.anchor_path.name} line {n}: anchor signature invalid")
                a_seq = int(a["seq"])
                if a_seq > seq:
                    return bad(
                        end,
                        f"missing records {seq + 1}..{a_seq} after anchor (seq {a_seq} "
                        f"signed {a.get('ts')}): the log was cut",
                        seq + 1,
                        anchored=a_seq,
                    )
                if a_seq >= 1 and hashes[a_seq - 1] != a["hash"]:
                    return bad(
                        a_seq, f"record differs from the signed anchor of seq {a_seq}", a_seq
                    )
                kf = int(a.get("keyed_from") or 0)
                if (kf and first_keyed != kf) or (not kf and first_keyed and first_keyed <= a_seq):
                    return bad(
                        end,
                        f"MACs start at seq {first_keyed or 'none'} but the anchor of seq "
                        f"{a_seq} says {kf or 'none'}: records rewritten without the key",
                        first_keyed or kf,
                    )
                anchored = max(anchored, a_seq)
        for h in held or []:
            wrong = self._held_mismatch(h, seq, hashes)
            if wrong is not None:
                return bad(wrong[0], wrong[1], wrong[2], anchored=anchored)
        if self._signer is not None and anchor and seq > anchored:
            self.write_anchor(seq, hashes[-1])
            anchored = seq
        top = max((h.seq for h in held or []), default=0)
        return VerifyResult(True, seq, legacy_until=legacy_until, anchored=anchored, held=top)

    def _held_mismatch(
        self, h: HeldHead, seq: int, hashes: list[str]
    ) -> tuple[int, str, int] | None:
        """(line, reason, seq) when the log no longer holds the externally held head."""
        if h.signature is not None and not self._anchor_signature_ok(h.signed()):
            return (
                seq + 1,
                f"held head from {h.source}: signature invalid (not signed by this fund's key)",
                h.seq,
            )
        if h.seq > seq:
            return (
                seq + 1,
                f"log ends at record {seq} but the head held from {h.source} says {h.seq} "
                f"(record of {h.ts or 'unknown time'}): records {seq + 1}..{h.seq} removed "
                "or the log rewritten below it",
                seq + 1,
            )
        if h.seq >= 1 and hashes[h.seq - 1] != h.hash:
            return (
                h.seq,
                f"record {h.seq} differs from the head held from {h.source}: the log was "
                f"rewritten at or below seq {h.seq}",
                h.seq,
            )
        return None
