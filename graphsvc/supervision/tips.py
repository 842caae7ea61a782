"""Tip-offs (举报投诉: Hainan Art. 35; Heilongjiang (6)): intake, triage, workflow.

Why SQLite beside the users (``DATA_DIR/tips.sqlite``) and not the graph: a tip is an
allegation, not evidence; it must not show up in ring views, Cypher answers or case
packages, and its reporter must stay sealed. The graph is only read, to triage.

Triage (recomputed on demand, stored with the tip): for every entity the tip is about,
the current run's rings it is a member of (with the ring's reasons as the evidence it
touches) and its credit grade in the latest graded run. Priority, documented in
docs/supervision.md:

- ``high``: some entity is a member of a current ring *and* graded C or D;
- ``medium``: some entity is a member of a current ring, or graded C or D;
- ``low``: neither (still read: a tip can be the first sign of a ring).

>>> priority_of(rings=1, bad_grades=1), priority_of(rings=0, bad_grades=1), priority_of(0, 0)
('high', 'medium', 'low')

Workflow: ``received`` -> ``verified`` -> ``case`` or ``closed``; ``received`` ->
``closed`` (unfounded). Verifying records whether the reporter is eligible for a
reward (查证属实的举报给予奖励); that answer is required at that step.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from graphsvc import model
from graphsvc.config import Settings
from graphsvc.errors import InputError, NotFound, Term
from graphsvc.store.base import Store
from graphsvc.supervision import history, sealed

Status = Literal["received", "verified", "case", "closed"]
STATUSES: tuple[Status, ...] = ("received", "verified", "case", "closed")
NEXT: dict[str, tuple[str, ...]] = {
    "received": ("verified", "closed"),
    "verified": ("case", "closed"),
    "case": (),
    "closed": (),
}
TARGET_KINDS = ("participant", "doctor", "institution")
BAD_GRADES = frozenset({"C", "D"})
MAX_SUBJECT = 200
MAX_BODY = 5_000
MAX_TARGETS = 20
MAX_NAME = 100
MAX_PHONE = 30
_SAFE_NAME = re.compile(r"[^\w.\-]+")

SCHEMA = """
CREATE TABLE IF NOT EXISTS tips (
  id TEXT PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
  subject TEXT NOT NULL, body TEXT NOT NULL, about TEXT NOT NULL,
  targets_json TEXT NOT NULL, reporter BLOB, status TEXT NOT NULL,
  priority TEXT NOT NULL, triage_json TEXT NOT NULL, reward_eligible INTEGER,
  case_id TEXT, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tip_files (
  tip_id TEXT NOT NULL, n INTEGER NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
  sha256 TEXT NOT NULL, PRIMARY KEY (tip_id, n));
CREATE TABLE IF NOT EXISTS tip_events (
  tip_id TEXT NOT NULL, ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  detail TEXT NOT NULL);
"""


@dataclass
class Attachment:
    name: str
    content: bytes


@dataclass
class Tip:
    id: str
    created_at: str
    created_by: str
    subject: str
    body: str
    about: str
    targets: list[dict[str, str]]
    status: str
    priority: str
    triage: dict[str, Any]
    reward_eligible: bool | None
    case_id: str | None
    updated_at: str
    has_reporter: bool
    files: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Everything but the reporter's identity (only ``has_reporter``)."""
        return asdict(self)


def priority_of(rings: int, bad_grades: int) -> str:
    if rings and bad_grades:
        return "high"
    if rings or bad_grades:
        return "medium"
    return "low"


def db_path(settings: Settings) -> Path:
    return settings.ensure_data_dir() / "tips.sqlite"


def files_dir(settings: Settings, tip_id: str) -> Path:
    return settings.ensure_data_dir() / "tips" / tip_id


@contextmanager
def connect(settings: Settings) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(db_path(settings))
    con.row_factory = sqlite3.Row
    try:
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_targets(raw: str) -> list[dict[str, str]]:
    """``participant:P1, doctor:D2`` (commas, spaces or new lines) into targets.

    >>> parse_targets("participant:P1, doctor:D2")
    [{'kind': 'participant', 'id': 'P1'}, {'kind': 'doctor', 'id': 'D2'}]
    """
    out = []
    for part in re.split(r"[\s,;]+", raw.strip()):
        if not part:
            continue
        kind, sep, ident = part.partition(":")
        if not sep or kind not in TARGET_KINDS or not ident:
            raise InputError(
                f"expected participant:ID, doctor:ID or institution:ID, got {part!r}",
                text_key="err.tip_target",
                value=part[:60],
            )
        out.append({"kind": kind, "id": ident})
    return out


def resolve_about(store: Store, about: str) -> list[dict[str, str]]:
    """Free text ("王医生, 13800138000") resolved by the investigators' search: the
    participants, doctors and institutions it finds, five at most (a human checks)."""
    from graphsvc.services import explore

    if not about.strip():
        return []
    found = explore.search(store, about[:200], limit=20)
    hits = [
        {"kind": str(h["kind"]), "id": str(h["id"]), "via": "search"}
        for h in found
        if h["kind"] in TARGET_KINDS and h["id"]
    ]
    return hits[:5]


def triage(store: Store, settings: Settings, targets: list[dict[str, str]]) -> dict[str, Any]:
    """Rings (current run), evidence and grades the targets touch, and the priority."""
    ids = sorted({t["id"] for t in targets})
    wanted = {(t["kind"], t["id"]) for t in targets}
    rings: dict[str, dict[str, Any]] = {}
    for row in store.run("tips_entity_rings", {"ids": ids}).records():
        kinds = {model.KIND_OF.get(lb) for lb in row["labels"]}
        kind = next((k for k in kinds if k and (k, row["id"]) in wanted), None)
        if kind is None:
            continue
        ring = rings.setdefault(
            str(row["ring"]),
            {
                "ring": row["ring"],
                "ring_id": row["ring_id"],
                "typology": row["typology"],
                "score": row["score"],
                "amount": row["amount"],
                "reasons": row["reasons"],
                "reasons_zh": row["reasons_zh"],
                "members": [],
            },
        )
        ring["members"].append({"kind": kind, "id": row["id"], "role": row["role"]})
    with contextlib.suppress(NotFound):  # no detection run yet: no grades
        history.compute_current(store, settings)
    grades = []
    for kind, ident in sorted(wanted):
        hist = history.entity_history(settings, kind, ident)
        if hist:
            h = hist[0]
            grades.append(
                {
                    "kind": kind,
                    "id": ident,
                    "grade": h["grade"],
                    "run_id": h["run_id"],
                    "explanation": h["explanation"],
                    "explanation_zh": h["explanation_zh"],
                }
            )
    bad = sum(1 for g in grades if g["grade"] in BAD_GRADES)
    return {
        "rings": list(rings.values()),
        "grades": grades,
        "priority": priority_of(len(rings), bad),
        "triaged_at": _now(),
    }


def _check_text(subject: str, body: str) -> None:
    if not subject.strip():
        raise InputError("a tip-off needs a subject (what is reported)", text_key="err.tip_subject")
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise InputError(
            f"subject {MAX_SUBJECT} and text {MAX_BODY} characters at most",
            text_key="err.tip_too_long",
            subject=MAX_SUBJECT,
            body=MAX_BODY,
        )


def _store_files(
    settings: Settings, tip_id: str, files: list[Attachment]
) -> list[tuple[int, str, int, str]]:
    """Attachments written under ``DATA_DIR/tips/ID/`` as ``N-name``, SHA-256 recorded
    (the hash is what a case later cites: the file is the one received)."""
    if len(files) > settings.tips_attachments_max:
        raise InputError(
            f"{settings.tips_attachments_max} attachments at most",
            text_key="err.tip_attachments",
            n=settings.tips_attachments_max,
        )
    rows = []
    for f in files:
        if len(f.content) > settings.tips_attachment_bytes:
            raise InputError(
                f"attachment {f.name[:60]!r} is {len(f.content)} bytes; "
                f"{settings.tips_attachment_bytes} at most",
                text_key="err.tip_attachment_size",
                name=f.name[:60],
                n=f"{settings.tips_attachment_bytes:,}",
            )
    directory = files_dir(settings, tip_id)
    for n, f in enumerate(files, start=1):
        name = _SAFE_NAME.sub("_", Path(f.name).name)[:80] or "file"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{n}-{name}").write_bytes(f.content)
        rows.append((n, name, len(f.content), hashlib.sha256(f.content).hexdigest()))
    return rows


def create(
    store: Store,
    settings: Settings,
    *,
    actor: str,
    subject: str,
    body: str = "",
    targets: list[dict[str, str]] | None = None,
    about: str = "",
    reporter: Mapping[str, str] | None = None,
    files: list[Attachment] | None = None,
) -> Tip:
    """Take a tip down, seal its reporter, store its files, triage it."""
    _check_text(subject, body)
    chosen = [dict(t) for t in (targets or [])]
    for t in chosen:
        if t.get("kind") not in TARGET_KINDS or not t.get("id"):
            raise InputError("targets are {kind: participant|doctor|institution, id}")
    have = {(t["kind"], t["id"]) for t in chosen}
    chosen += [t for t in resolve_about(store, about) if (t["kind"], t["id"]) not in have]
    if len(chosen) > MAX_TARGETS:
        raise InputError(
            f"{MAX_TARGETS} entities at most per tip-off", text_key="err.tip_targets", n=MAX_TARGETS
        )
    identity = {k: str(v).strip() for k, v in (reporter or {}).items() if str(v).strip()}
    if len(identity.get("name", "")) > MAX_NAME or len(identity.get("phone", "")) > MAX_PHONE:
        raise InputError("reporter name or phone too long", text_key="err.tip_reporter")
    tip_id = f"T{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    box = sealed.seal(sealed.load_key(settings), tip_id, identity) if identity else None
    result = triage(store, settings, chosen)
    stored = _store_files(settings, tip_id, files or [])
    now = _now()
    with connect(settings) as con:
        con.execute(
            "INSERT INTO tips (id, created_at, created_by, subject, body, about, targets_json, "
            "reporter, status, priority, triage_json, reward_eligible, case_id, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, NULL, NULL, ?)",
            (
                tip_id,
                now,
                actor,
                subject.strip(),
                body,
                about,
                json.dumps(chosen),
                box,
                result["priority"],
                json.dumps(result, ensure_ascii=False),
                now,
            ),
        )
        con.executemany(
            "INSERT INTO tip_files (tip_id, n, name, size, sha256) VALUES (?, ?, ?, ?, ?)",
            [(tip_id, *r) for r in stored],
        )
        _event(con, tip_id, actor, "received", {"priority": result["priority"]})
    return get(settings, tip_id)


def _event(con: sqlite3.Connection, tip_id: str, actor: str, action: str, detail: Any) -> None:
    con.execute(
        "INSERT INTO tip_events (tip_id, ts, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
        (tip_id, _now(), actor, action, json.dumps(detail, ensure_ascii=False)),
    )


def _tip(row: sqlite3.Row) -> Tip:
    reward = row["reward_eligible"]
    return Tip(
        id=row["id"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        subject=row["subject"],
        body=row["body"],
        about=row["about"],
        targets=json.loads(row["targets_json"]),
        status=row["status"],
        priority=row["priority"],
        triage=json.loads(row["triage_json"]),
        reward_eligible=None if reward is None else bool(reward),
        case_id=row["case_id"],
        updated_at=row["updated_at"],
        has_reporter=row["reporter"] is not None,
    )


def get(settings: Settings, tip_id: str) -> Tip:
    with connect(settings) as con:
        row = con.execute("SELECT * FROM tips WHERE id=?", (tip_id,)).fetchone()
        if row is None:
            raise NotFound(f"no tip-off {tip_id}", text_key="err.no_tip", tip_id=tip_id)
        tip = _tip(row)
        tip.files = [
            dict(r)
            for r in con.execute(
                "SELECT n, name, size, sha256 FROM tip_files WHERE tip_id=? ORDER BY n", (tip_id,)
            )
        ]
        tip.events = [
            {**dict(r), "detail": json.loads(r["detail"])}
            for r in con.execute(
                "SELECT ts, actor, action, detail FROM tip_events WHERE tip_id=? ORDER BY rowid",
                (tip_id,),
            )
        ]
    return tip


PRIORITY_ORDER = "CASE priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END"


def list_tips(settings: Settings, status: str | None = None) -> list[Tip]:
    """Tips, open ones by priority first."""
    sql = "SELECT * FROM tips"
    params: list[Any] = []
    if status:
        sql += " WHERE status=?"
        params.append(status)
    sql += f" ORDER BY status IN ('case', 'closed'), {PRIORITY_ORDER}, created_at DESC"
    with connect(settings) as con:
        return [_tip(r) for r in con.execute(sql, params)]


def reporter(settings: Settings, tip_id: str) -> dict[str, Any]:
    """The sealed identity, opened (callers are supervisors, and audit the reading)."""
    with connect(settings) as con:
        row = con.execute("SELECT reporter FROM tips WHERE id=?", (tip_id,)).fetchone()
    if row is None:
        raise NotFound(f"no tip-off {tip_id}", text_key="err.no_tip", tip_id=tip_id)
    if row["reporter"] is None:
        return {}
    return sealed.unseal(sealed.load_key(settings), tip_id, bytes(row["reporter"]))


def advance(
    settings: Settings,
    tip_id: str,
    *,
    actor: str,
    status: str,
    reward_eligible: bool | None = None,
    case_id: str | None = None,
    note: str = "",
) -> Tip:
    """Move a tip along the workflow; verifying requires the reward answer."""
    tip = get(settings, tip_id)
    if status not in NEXT.get(tip.status, ()):
        allowed = ", ".join(NEXT.get(tip.status, ())) or "none (final)"
        raise InputError(
            f"tip {tip_id} is {tip.status}; next: {allowed}",
            text_key="err.tip_status",
            tip_id=tip_id,
            status=Term("tip_status", tip.status),
        )
    if status == "verified" and reward_eligible is None:
        raise InputError(
            "verifying a tip records whether the reporter is eligible for a reward",
            text_key="err.tip_reward",
        )
    if len(note) > MAX_BODY:
        raise InputError(f"note {MAX_BODY} characters at most", text_key="err.too_long", n=MAX_BODY)
    reward = tip.reward_eligible if reward_eligible is None else reward_eligible
    with connect(settings) as con:
        con.execute(
            "UPDATE tips SET status=?, reward_eligible=?, case_id=?, updated_at=? WHERE id=?",
            (
                status,
                None if reward is None else int(reward),
                case_id or tip.case_id,
                _now(),
                tip_id,
            ),
        )
        _event(
            con,
            tip_id,
            actor,
            status,
            {"reward_eligible": reward, "case_id": case_id, "note": note},
        )
    return get(settings, tip_id)


def retriage(store: Store, settings: Settings, tip_id: str, actor: str) -> Tip:
    """Triage again against the current run (rings and grades change per run)."""
    tip = get(settings, tip_id)
    result = triage(store, settings, tip.targets)
    with connect(settings) as con:
        con.execute(
            "UPDATE tips SET priority=?, triage_json=?, updated_at=? WHERE id=?",
            (result["priority"], json.dumps(result, ensure_ascii=False), _now(), tip_id),
        )
        _event(con, tip_id, actor, "triaged", {"priority": result["priority"]})
    return get(settings, tip_id)
