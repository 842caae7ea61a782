"""The audit trail: append-only, hash-chained JSON lines in ``DATA_DIR/audit/audit.jsonl``.

Why a chain: enforcement must keep full-process records (Heilongjiang opinion (11))
that nobody can quietly edit. Each record holds the SHA-256 of the one before and
its own hash over its canonical JSON, so an edited, removed or reordered line
breaks the chain at that line. Removing records from the end leaves a valid chain,
so the last sequence number and hash are also kept in ``audit.head`` with an HMAC
under the server key; ``verify`` compares the two.

Every append is flushed and fsync'd before returning, so a response never leaves
before its record is on disk. Appends from the server and the CLI at the same time
are serialised with an exclusive ``flock``.
"""

from __future__ import annotations

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
from typing import Any

from graphsvc.config import Settings

log = logging.getLogger(__name__)

GENESIS = "0" * 64
MAX_TEXT = 20_000  # longest query text / detail string kept in a record


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 over every field but ``hash`` itself."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(_canonical(body)).hexdigest()


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

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "bad_line": self.bad_line,
            "reason": self.reason,
        }


class AuditLog:
    """One audit file plus its signed head."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.path = directory / "audit.jsonl"
        self.head_path = directory / "audit.head"
        self.lock_path = directory / "audit.lock"
        self._key = key
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._cached: tuple[int, dict[str, Any]] | None = None  # (file size, last record)
        self._synced = 0
        directory.mkdir(parents=True, exist_ok=True)
        for p in (self.path, self.lock_path):
            if not p.exists():
                p.touch(mode=0o600)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditLog:
        return cls(settings.ensure_data_dir() / "audit", settings.resolved_secret_key())

    # -- writing -------------------------------------------------------------
    def _head_mac(self, seq: int, digest: str) -> str:
        return hmac.new(self._key.encode(), f"{seq}:{digest}".encode(), hashlib.sha256).hexdigest()

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
    ) -> dict[str, Any]:
        """Write one record durably (fsync'd on return) and return it (with seq and hash)."""
        with self._lock, self.lock_path.open("a") as lock_fh:
            fcntl.flock(lock_fh, fcntl.LOCK_EX)
            try:
                last = self._tail()
                record: dict[str, Any] = {
                    "seq": (int(last["seq"]) + 1) if last else 1,
                    "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "user": user,
                    "role": role,
                    "action": action,
                    "target": _clip(target),
                    "outcome": outcome,
                    "rows": rows,
                    "detail": _clip(detail or {}),
                    "prev": str(last["hash"]) if last else GENESIS,
                }
                record["hash"] = record_hash(record)
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
        """The last record: from memory when no other process appended since."""
        size = self.path.stat().st_size
        if self._cached is not None and self._cached[0] == size:
            return self._cached[1]
        return self._last_record()

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
                self._write_head(int(snapshot[1]["seq"]), str(snapshot[1]["hash"]))

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

    def verify(self) -> VerifyResult:
        """Check the chain line by line, then the signed head; name the first bad line."""
        prev = GENESIS
        seq = 0
        line_no = 0
        hashes: list[str] = []
        with self.path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                try:
                    rec = json.loads(line)
                except ValueError:
                    return VerifyResult(False, seq, line_no, "not a JSON record")
                if not isinstance(rec, dict):
                    return VerifyResult(False, seq, line_no, "not a JSON record")
                if rec.get("hash") != record_hash(rec):
                    return VerifyResult(False, seq, line_no, "record edited (hash mismatch)")
                if rec.get("prev") != prev:
                    return VerifyResult(
                        False,
                        seq,
                        line_no,
                        "chain broken: a record before it was removed, inserted or reordered",
                    )
                if rec.get("seq") != seq + 1:
                    return VerifyResult(False, seq, line_no, f"sequence gap: expected {seq + 1}")
                prev = str(rec["hash"])
                hashes.append(prev)
                seq += 1
        if not self.head_path.exists():
            if seq == 0:
                return VerifyResult(True, 0)
            return VerifyResult(False, seq, line_no + 1, "head file missing")
        try:
            head = json.loads(self.head_path.read_text())
            head_seq, head_hash, mac = int(head["seq"]), str(head["hash"]), str(head["mac"])
        except (ValueError, KeyError, TypeError):
            return VerifyResult(False, seq, line_no + 1, "head file unreadable")
        if not hmac.compare_digest(mac, self._head_mac(head_seq, head_hash)):
            return VerifyResult(False, seq, line_no + 1, "head signature invalid")
        if head_seq > seq:
            return VerifyResult(
                False,
                seq,
                seq + 1,
                f"log ends at record {seq} but the head says {head_seq}: records removed "
                "from the end",
            )
        # The head may lag the log (it is written after the fsync, not fsync'd itself).
        if head_seq >= 1 and hashes[head_seq - 1] != head_hash:
            return VerifyResult(False, seq, head_seq, "record differs from the signed head")
        return VerifyResult(True, seq)
