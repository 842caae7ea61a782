"""The screening index and its rules (pure: no store, no clock).

Why an in-memory index: a settlement must be answered while it is being made
(Hainan Art. 32, 事中审核), so nothing here queries the store; ``graphsvc.screening.io``
fills a :class:`ScreenIndex` from the store in packed pages and the rules only look
up dictionaries. Settlements are keyed by their id, so one screened now and loaded
later (then read again at the next rebuild) is held once, never counted twice.

Verdicts: ``hold`` only when the settlement's participant, doctor or institution is a
member of a current ring and either the ring's score is >= ``hold_score`` or a pattern
reason also applies; ``review`` for any other listed reason; ``pass`` when no reason
applies. A doctor's or institution's credit grade (``risk_grade``) is a review reason
but never the second reason of a hold: the grade is computed from the same rings, so
it is not independent evidence. Every reason is a code plus an English and a Chinese
sentence naming the facts an auditor can check.
"""

from __future__ import annotations

import datetime as dt
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Protocol

from graphsvc.contract.typologies import TYPOLOGY_ZH
from graphsvc.errors import InputError
from graphsvc.locale.msg import Join, Msg, Twin, label

VERDICTS = ("pass", "review", "hold")


class ScreenInputError(InputError):
    """A settlement sent for screening misses or breaks a field (HTTP 400, field named)."""

    http_status = 400


REQUIRED = ("prescription_id", "participant_id", "institution_id", "date")
VISIT_TYPES = ("outpatient", "inpatient", "pharmacy")


@dataclass(frozen=True)
class RingRef:
    ring_id: str
    typology: str
    role: str
    score: float


@dataclass(frozen=True)
class Settlement:
    """One settlement as screened: the contract's prescriptions columns that rules read."""

    prescription_id: str
    participant_id: str
    institution_id: str
    date: dt.date
    doctor_id: str | None = None
    discharge_date: dt.date | None = None
    visit_type: str | None = None
    diagnosis_code: str | None = None
    account_holder_id: str | None = None
    trace_codes: tuple[str, ...] = ()  # the items' 追溯码, where known


@dataclass(frozen=True)
class GradeRef:
    """A doctor's or institution's current credit grade (graphsvc.supervision.grades)."""

    grade: str
    en: str
    zh: str


class Kinship(Protocol):
    """Whether an account holder and a patient are plausibly family (Hainan Art. 14).

    A protocol so the rules stay pure: ``graphsvc.screening.io`` fills it from the
    detection's household logic; without one only registered links count.
    """

    def why_not_family(self, holder: str, member: str) -> tuple[str, str] | None:
        """None when plausibly family, else the (English, Chinese) fact that says not."""
        ...


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    zh: str
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, msg: Msg, detail: dict[str, Any] | None = None) -> Reason:
        """A reason worded by the catalog entry ``msg`` (``screen.<code>``) in both languages."""
        en, zh = msg.pair()
        return cls(code, en, zh, detail if detail is not None else {})

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "en": self.en, "zh": self.zh, "detail": self.detail}


@dataclass(frozen=True)
class Verdict:
    prescription_id: str
    verdict: str
    reasons: tuple[Reason, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "prescription_id": self.prescription_id,
            "verdict": self.verdict,
            "reasons": [r.to_json() for r in self.reasons],
        }


@dataclass
class ScreenIndex:
    """What is known now: entities, rings, family links, ID numbers, settlements."""

    participants: set[str] = field(default_factory=set)
    institutions: set[str] = field(default_factory=set)
    id_number: dict[str, str] = field(default_factory=dict)  # participant -> ID number
    by_id_number: dict[str, set[str]] = field(default_factory=dict)
    family: set[tuple[str, str]] = field(default_factory=set)  # (holder, member)
    rings: dict[tuple[str, str], list[RingRef]] = field(default_factory=dict)
    # Inpatient stays from the store (the only settlements a rule looks back at), plus
    # a batch's own earlier rows in a batch view; keyed by id, so never held twice.
    settlements: MutableMapping[str, Settlement] = field(default_factory=dict)
    by_participant: MutableMapping[str, list[str]] = field(default_factory=dict)  # -> ids
    last_day: dict[str, date] = field(default_factory=dict)  # participant -> last settled
    trace_codes: MutableMapping[str, str] = field(default_factory=dict)  # code -> first id
    grades: dict[tuple[str, str], GradeRef] = field(default_factory=dict)  # (kind, id)
    kinship: Kinship | None = None
    version: str | None = None

    def add_participant(self, pid: str, id_number: str | None) -> None:
        self.participants.add(pid)
        if id_number:
            self.id_number[pid] = id_number
            self.by_id_number.setdefault(id_number, set()).add(pid)

    def add_ring_member(self, kind: str, eid: str, ref: RingRef) -> None:
        self.rings.setdefault((kind, eid), []).append(ref)

    def add_settlement(self, s: Settlement) -> bool:
        """Remember ``s``; False when its id was already known (nothing is doubled)."""
        if s.prescription_id in self.settlements:
            return False
        self.settlements[s.prescription_id] = s
        self.by_participant.setdefault(s.participant_id, []).append(s.prescription_id)
        for code in s.trace_codes:
            self.trace_codes.setdefault(code, s.prescription_id)
        return True

    def for_batch(self) -> ScreenIndex:
        """A view of this index for one batch: it shares everything known (never changed)
        and keeps the batch's own earlier settlements in small maps in front of the shared
        ones, so the second row of a batch is screened against the first (a trace code
        settled twice in one batch, a readmission or a stay elsewhere sent together)
        without the shared index, read by concurrent requests, ever seeing the batch."""
        return replace(
            self,
            settlements=ChainMap({}, self.settlements),
            by_participant=ChainMap({}, self.by_participant),
            trace_codes=ChainMap({}, self.trace_codes),
        )

    def remember(self, s: Settlement) -> None:
        """Add a screened settlement to a batch view (copy-on-write: the shared lists are
        never appended to)."""
        if not isinstance(self.settlements, ChainMap):
            raise TypeError("remember() is for a batch view (ScreenIndex.for_batch())")
        if s.prescription_id in self.settlements:
            return
        self.settlements[s.prescription_id] = s
        pid = s.participant_id
        self.by_participant[pid] = [*self.by_participant.get(pid, ()), s.prescription_id]
        for code in s.trace_codes:
            self.trace_codes.setdefault(code, s.prescription_id)

    def history(self, pid: str) -> list[Settlement]:
        """A participant's settlements, oldest first (stable: date, then id)."""
        found = [self.settlements[i] for i in self.by_participant.get(pid, ())]
        return sorted(found, key=lambda s: (s.date, s.prescription_id))


def _date(value: Any, name: str, where: str) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        raise ScreenInputError(f"{where}: {name} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ScreenInputError(f"{where}: {name} must be a date YYYY-MM-DD") from exc


def _trace_codes(items: Any, where: str) -> tuple[str, ...]:
    """The distinct trace codes of the optional items (contract prescription_items rows)."""
    codes: list[str] = []
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ScreenInputError(f"{where}: items must be a list of prescription_items rows")
    for k, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ScreenInputError(f"{where}: items[{k}] must be an object")
        code = item.get("trace_code")
        if code is None or code == "":
            continue
        if not isinstance(code, str):
            raise ScreenInputError(f"{where}: items[{k}].trace_code must be a string")
        if code.strip() and code.strip() not in codes:
            codes.append(code.strip())
    return tuple(codes)


def parse_settlement(raw: Mapping[str, Any], where: str = "settlement") -> Settlement:
    """One settlement in the contract's prescriptions shape; InputError names the field."""
    if not isinstance(raw, Mapping):
        raise ScreenInputError(f"{where}: must be an object with the prescriptions columns")
    for name in REQUIRED:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ScreenInputError(f"{where}: {name} is required")
    for name in ("prescription_id", "participant_id", "institution_id"):
        if not isinstance(raw[name], str):
            raise ScreenInputError(f"{where}: {name} must be a string")

    def opt(name: str) -> str | None:
        value = raw.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ScreenInputError(f"{where}: {name} must be a string")
        return value.strip()

    visit = opt("visit_type")
    if visit is not None and visit.lower() not in VISIT_TYPES:
        raise ScreenInputError(f"{where}: visit_type must be one of {', '.join(VISIT_TYPES)}")
    start = _date(raw["date"], "date", where)
    discharge = raw.get("discharge_date")
    end = _date(discharge, "discharge_date", where) if discharge not in (None, "") else None
    if end is not None and end < start:
        raise ScreenInputError(f"{where}: discharge_date is before date")
    holder = opt("account_holder_id")
    pid = raw["participant_id"].strip()
    return Settlement(
        prescription_id=raw["prescription_id"].strip(),
        participant_id=pid,
        institution_id=raw["institution_id"].strip(),
        date=start,
        doctor_id=opt("doctor_id"),
        discharge_date=end,
        visit_type=visit.lower() if visit else None,
        diagnosis_code=opt("diagnosis_code"),
        account_holder_id=None if holder == pid else holder,
        trace_codes=_trace_codes(raw.get("items"), where),
    )


@dataclass(frozen=True)
class Rules:
    """Thresholds, stated so that a verdict can be reproduced."""

    readmission_days: int = 15
    hold_score: float = 0.8
    review_grades: tuple[str, ...] = ("C", "D")  # a doctor's or institution's grade


def _ring_reasons(index: ScreenIndex, s: Settlement) -> list[Reason]:
    out = []
    for kind, eid in (
        ("participant", s.participant_id),
        ("doctor", s.doctor_id),
        ("institution", s.institution_id),
    ):
        if eid is None:
            continue
        for ref in sorted(index.rings.get((kind, eid), ()), key=lambda r: (-r.score, r.ring_id)):
            out.append(
                Reason.of(
                    "ring_member",
                    Msg(
                        "screen.ring_member",
                        kind=label("kind", kind),
                        id=eid,
                        role=label("role", ref.role),
                        ring=ref.ring_id,
                        typology=Twin(ref.typology, TYPOLOGY_ZH.get(ref.typology, ref.typology)),
                        score=ref.score,
                    ),
                    {
                        "kind": kind,
                        "id": eid,
                        "ring": ref.ring_id,
                        "typology": ref.typology,
                        "role": ref.role,
                        "score": ref.score,
                    },
                )
            )
    return out


def _pattern_reasons(index: ScreenIndex, s: Settlement, rules: Rules) -> list[Reason]:
    out: list[Reason] = []
    past = [h for h in index.history(s.participant_id) if h.prescription_id != s.prescription_id]
    if s.visit_type == "inpatient" and s.diagnosis_code:
        window = timedelta(days=rules.readmission_days)
        for h in past:
            if (
                h.visit_type == "inpatient"
                and h.institution_id == s.institution_id
                and h.diagnosis_code == s.diagnosis_code
                and h.discharge_date is not None
                and timedelta(0) <= s.date - h.discharge_date <= window
            ):
                days = (s.date - h.discharge_date).days
                out.append(
                    Reason.of(
                        "readmission",
                        Msg(
                            "screen.readmission",
                            days=days,
                            previous=h.prescription_id,
                            diagnosis=s.diagnosis_code,
                        ),
                        {"previous": h.prescription_id, "days": days},
                    )
                )
                break
    for h in past:
        if (
            h.visit_type == "inpatient"
            and h.institution_id != s.institution_id
            and h.discharge_date is not None
            and h.date < s.date < h.discharge_date
        ):
            out.append(
                Reason.of(
                    "inpatient_elsewhere",
                    Msg(
                        "screen.inpatient_elsewhere",
                        institution=h.institution_id,
                        stay=h.prescription_id,
                        start=h.date,
                        end=h.discharge_date,
                    ),
                    {"stay": h.prescription_id, "institution": h.institution_id},
                )
            )
            break
    for code in s.trace_codes:
        first = index.trace_codes.get(code)
        if first is not None and first != s.prescription_id:
            out.append(
                Reason.of(
                    "trace_code_settled",
                    Msg("screen.trace_code_settled", code=code, first=first),
                    {"trace_code": code, "first": first},
                )
            )
            break
    holder = s.account_holder_id
    if holder is not None:
        if index.kinship is not None:
            why = index.kinship.why_not_family(holder, s.participant_id)
        elif (holder, s.participant_id) in index.family:
            why = None
        else:
            why = Msg("screen.why.no_family_link").pair()
        if why is not None:
            out.append(
                Reason.of(
                    "account_not_family",
                    Msg(
                        "screen.account_not_family",
                        holder=holder,
                        patient=s.participant_id,
                        why=Twin(*why),
                    ),
                    {"holder": holder, "why": why[0]},
                )
            )
    number = index.id_number.get(s.participant_id)
    if number is not None:
        twins = sorted(index.by_id_number.get(number, set()) - {s.participant_id})
        if twins:
            out.append(
                Reason.of(
                    "duplicate_enrolment",
                    Msg(
                        "screen.duplicate_enrolment",
                        participant=s.participant_id,
                        others=Join(twins, "sep.enum"),
                    ),
                    {"others": twins},
                )
            )
    return out


def _grade_reasons(index: ScreenIndex, s: Settlement, rules: Rules) -> list[Reason]:
    out = []
    for kind, eid in (("doctor", s.doctor_id), ("institution", s.institution_id)):
        ref = index.grades.get((kind, eid)) if eid is not None else None
        if ref is not None and ref.grade in rules.review_grades:
            out.append(
                Reason.of(
                    "risk_grade",
                    Msg(
                        "screen.risk_grade",
                        kind=label("kind", kind),
                        id=str(eid),
                        grade=ref.grade,
                        explanation=Twin(ref.en, ref.zh),
                    ),
                    {"kind": kind, "id": eid, "grade": ref.grade},
                )
            )
    return out


def screen(index: ScreenIndex, s: Settlement, rules: Rules | None = None) -> Verdict:
    """The verdict on one settlement from what ``index`` knows now."""
    rules = rules or Rules()
    reasons: list[Reason] = []
    if s.participant_id not in index.participants:
        reasons.append(
            Reason.of(
                "unknown_participant",
                Msg("screen.unknown_participant", participant=s.participant_id),
            )
        )
    if s.institution_id not in index.institutions:
        reasons.append(
            Reason.of(
                "unknown_institution",
                Msg("screen.unknown_institution", institution=s.institution_id),
            )
        )
    ring = _ring_reasons(index, s)
    pattern = _pattern_reasons(index, s, rules)
    reasons.extend(ring)
    reasons.extend(pattern)
    reasons.extend(_grade_reasons(index, s, rules))
    top = max((float(r.detail["score"]) for r in ring), default=0.0)
    if ring and (top >= rules.hold_score or pattern):
        verdict = "hold"
    elif reasons:
        verdict = "review"
    else:
        verdict = "pass"
    return Verdict(s.prescription_id, verdict, tuple(reasons))


def screen_batch(
    index: ScreenIndex, rows: list[dict[str, Any]], rules: Rules | None = None
) -> list[dict[str, Any]]:
    """Verdicts on a batch, in its order. Every row is parsed first (a bad one stops the
    batch naming it, nothing half-screened); each row is then screened against what is
    known plus the batch's earlier rows (:meth:`ScreenIndex.for_batch`)."""
    parsed = [parse_settlement(r, f"prescriptions[{n}]") for n, r in enumerate(rows)]
    view = index.for_batch()
    out = []
    for s in parsed:
        out.append(screen(view, s, rules).to_json())
        view.remember(s)
    return out


def audit_detail(
    index: ScreenIndex, rows: list[dict[str, Any]], verdicts: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the audit trail keeps of one screening: every input and every verdict's reasons.

    One shape for the API and the CLI, so an auditor reads both the same way.
    """
    return {
        "index_version": index.version,
        "inputs": rows,
        "verdicts": [
            {
                "id": v["prescription_id"],
                "verdict": v["verdict"],
                "reasons": [r["code"] for r in v["reasons"]],
            }
            for v in verdicts
        ],
    }
