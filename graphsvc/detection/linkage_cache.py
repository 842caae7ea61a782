"""Record linkage results kept on disk between detection runs (issue #15, issue #11).

Why: fitting the linkage model is ~100 s of a detection run at 200k participants
(docs/benchmarks.md) and the whole run has a 120 s target at 1.2M settlements. The
links depend only on the participants' name forms, birth date, sex and ID number, the
phones and addresses they list, and the linkage config -- which a monthly load of new
settlements does not change. So the result is stored under a content hash of exactly
those inputs (:func:`input_digest`) and read back while they stay the same.

Safe by construction: the file name *is* the digest of the inputs (plus the model's
fixed priors, the config, splink's version and :data:`FORMAT`), so a changed
participant or identifier is a different file, never a stale hit. Files are written
atomically (a temporary file in the same directory, then ``os.replace``), a file that
does not parse is logged, ignored and rewritten, and the directory may be deleted at
any time (the next run refits). Only the few most recently used files are kept.

The directory is the store's (``settings.data_dir / "cache" / "linkage"``, passed by
:func:`graphsvc.detection.io.run_detection`); a pure in-memory run has none and keeps
the per-GraphData memo of :func:`graphsvc.detection.linkage.linkage_for` only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from graphsvc.detection.config import LinkageConfig
from graphsvc.detection.data import GraphData

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the file layout or what linkage computes from its inputs changes
KEEP = 4  # files kept per directory (most recently used): a few stores or configs
# Columns of the participants that linkage reads (graphsvc.detection.linkage.features);
# ``name`` only when the keyed name forms are absent (a CSV directory, a test frame).
PARTICIPANT_COLUMNS = (
    "participant_id",
    "name_fold_key",
    "name_pinyin_key",
    "name_surname_key",
    "birth_date",
    "gender",
    "id_number",
    "id_bucket",
)
IDENTIFIER_KINDS = ("phone", "address")

# What happened, for tests and logs: "hit", "miss", "corrupt", "written".
EVENTS: Counter[str] = Counter()
_LOCK = threading.Lock()


def count(event: str) -> None:
    with _LOCK:
        EVENTS[event] += 1


def _hash_frame(h: Any, name: str, frame: pd.DataFrame) -> None:
    """Feed ``frame`` (columns in order, rows in order) to ``h``.

    Per column: its name, dtype and pandas' 64-bit hash of every cell (SipHash, the
    same for equal values, ``None``/NaT hashed as missing); rows in the order given,
    which for a store read is sorted by their fields (detection.io), so stable.
    """
    h.update(f"{name}:{len(frame)}\x1e".encode())
    for col in frame.columns:
        values = frame[col]
        h.update(f"{col}\x1f{values.dtype}\x1f".encode())
        h.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())


def input_digest(data: GraphData, cfg: LinkageConfig, priors: object) -> str:
    """SHA-256 of what :func:`graphsvc.detection.linkage.link_records` reads.

    ``priors`` are the model's fixed m values (a change of code that changes the links).
    """
    h = hashlib.sha256()
    head = {
        "format": FORMAT,
        "splink": version("splink"),
        "config": cfg.model_dump(mode="json"),
        "priors": priors,
    }
    h.update(json.dumps(head, sort_keys=True, default=str).encode())
    people = data.participants
    cols = [c for c in PARTICIPANT_COLUMNS if c in people.columns]
    if "name_fold_key" not in people.columns:
        cols.append("name")
    _hash_frame(h, "participants", people[cols])
    ids = data.identifiers
    mine = ids[ids["kind"].isin(IDENTIFIER_KINDS)][["participant_id", "kind", "value"]]
    # linkage reads each record's distinct values, sorted: their order does not matter
    mine = mine.drop_duplicates().sort_values(["participant_id", "kind", "value"])
    _hash_frame(h, "identifiers", mine.reset_index(drop=True))
    return h.hexdigest()


def path_of(directory: Path, digest: str) -> Path:
    return directory / f"linkage-{digest}.json"


def read(directory: Path, digest: str) -> dict[str, Any] | None:
    """The stored document of ``digest``, or None (absent, or unreadable: logged)."""
    path = path_of(directory, digest)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        count("miss")
        return None
    except OSError as exc:
        log.warning("linkage cache %s unreadable (%s): recomputing", path, exc)
        count("corrupt")
        return None
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a format-{FORMAT} linkage cache file")
        if doc.get("digest") != digest:
            raise ValueError("digest inside does not match its name")
    except ValueError as exc:
        log.warning("linkage cache %s is corrupt (%s): ignored and recomputed", path, exc)
        count("corrupt")
        return None
    os.utime(path)  # most recently used: kept by _prune
    count("hit")
    log.info("linkage: read from cache %s (inputs unchanged, no refit)", path)
    return doc


def write(directory: Path, digest: str, doc: dict[str, Any]) -> None:
    """Store ``doc`` under ``digest`` atomically; a failure is logged, never raised
    (the cache only saves time)."""
    body = json.dumps({"format": FORMAT, "digest": digest} | doc, sort_keys=True, indent=0)
    path = path_of(directory, digest)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".linkage-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("linkage cache %s not written (%s): next run refits", path, exc)
        return
    count("written")
    _prune(directory)


def _prune(directory: Path) -> None:
    try:
        files = sorted(
            ((p.stat().st_mtime, p.name, p) for p in directory.glob("linkage-*.json")),
            reverse=True,
        )
        for _, _, old in files[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # another run pruning at once: nothing lost but disk
        log.warning("linkage cache %s not pruned: %s", directory, exc)
