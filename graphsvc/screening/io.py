"""Building the screening index from the store: the only I/O of screening.

Why packed id-range pages (like ``graphsvc.detection.io``): one read per page of
node ids, parsed client-side, so a build costs a handful of queries however many
settlements the store holds; afterwards screening never queries the store.
:class:`IndexHolder` rebuilds when ``Store.data_version`` changes (a load, a
detection run), checked at most every ``check_every_s`` seconds.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import date

import pandas as pd

from graphsvc.detection.common import Explainer
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.io import FIELD_SEP, id_bound, read_table
from graphsvc.locale.msg import Msg
from graphsvc.screening.rules import GradeRef, RingRef, ScreenIndex, Settlement
from graphsvc.store.base import Store
from graphsvc.supervision.grades import (
    DISMISSED,
    GradeConfig,
    compute_grades,
    latest_case_status,
    memberships_from_rows,
)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


class PlausibleFamily:
    """Art. 14 plausibility of (account holder, patient), as family-sharing detection judges it.

    Why the detection's rules and not new ones: a settlement the screen lets pass must
    not be one the nightly detection calls abuse, and the other way round. Plausible:
    a registered relation (either direction) whose ages fit, a relative registered in
    the same family (transitively), or a co-resident of a plausible household
    (``graphsvc.detection.common.Explainer``: households are address groups small and
    generation-plausible enough; an address shared by a ring of strangers is not one).
    """

    def __init__(self, data: GraphData, config: DetectConfig) -> None:
        self.cfg = config.family_sharing_abuse
        self.explainer = Explainer(data, config.shared_identity.household_max)
        self.relation: dict[tuple[str, str], str] = {}
        fl = data.family_links
        for h, m, r in zip(fl["holder_id"], fl["member_id"], fl["relation"], strict=True):
            if h is None or m is None:
                continue
            self.relation[(str(h), str(m))] = str(r)
            inverse = {"parent": "child", "child": "parent"}.get(str(r), str(r))
            self.relation.setdefault((str(m), str(h)), inverse)
        people = data.participants
        self.birth: dict[str, date] = {
            str(p): b.date()
            for p, b in zip(people["participant_id"], people["birth_date"], strict=True)
            if isinstance(b, pd.Timestamp) and not pd.isna(b)
        }

    def _gap(self, holder: str, member: str) -> float | None:
        bh, bm = self.birth.get(holder), self.birth.get(member)
        return None if bh is None or bm is None else (bm - bh).days / 365.25

    def why_not_family(self, holder: str, member: str) -> tuple[str, str] | None:
        rel = self.relation.get((holder, member))
        gap = self._gap(holder, member)  # > 0: the patient is younger
        cfg = self.cfg
        if rel is not None:
            if rel == "child" and gap is not None and gap < cfg.min_parent_gap_years:
                return Msg("screen.why.child_gap", years=gap).pair()
            if rel == "parent" and gap is not None and -gap < cfg.min_parent_gap_years:
                return Msg("screen.why.parent_gap", years=-gap).pair()
            if rel == "spouse" and gap is not None and abs(gap) > cfg.max_spouse_gap_years:
                return Msg("screen.why.spouse_gap", years=abs(gap)).pair()
            return None
        ex = self.explainer
        if (
            ex.same_family(holder, member)
            or ex.same_household(holder, member)
            or ex.relative_of_household(holder, member)
        ):
            return None
        return Msg("screen.why.no_family_or_household").pair()


def _case_status(store: Store) -> dict[str, str]:
    return latest_case_status(store.run("grades_case_status", {}).records())


def build_index(
    store: Store,
    *,
    page_size: int = 200_000,
    detect_config: DetectConfig | None = None,
    grade_config: GradeConfig | None = None,
) -> ScreenIndex:
    """A fresh index of everything the store holds now (version read first: a write
    landing during the build makes the index look older than it is, never newer).

    Rings whose latest case was dismissed are left out, as the credit grades leave
    them out: a dismissed case clears.
    """
    index = ScreenIndex(version=store.data_version())
    bound = id_bound(store)
    tables = {
        t: read_table(store, t, page_size=page_size, bound=bound)
        for t in ("participants", "identifiers", "family_links", "institutions")
    }
    people = tables["participants"]
    for pid, number in zip(
        people["participant_id"].astype(str), people["id_number"].tolist(), strict=True
    ):
        index.add_participant(pid, _text(number))
    index.institutions.update(str(i) for i in tables["institutions"]["institution_id"])
    fam = tables["family_links"]
    index.family.update(
        zip(fam["holder_id"].astype(str), fam["member_id"].astype(str), strict=True)
    )
    data = GraphData.create(
        normalise_values=False,
        participants=people,
        identifiers=tables["identifiers"],
        family_links=fam,
    )
    index.kinship = PlausibleFamily(data, detect_config or DetectConfig())
    status = _case_status(store)
    res = store.run("screen_ring_members", {"sep": FIELD_SEP})
    for line in sorted(res.rows[0][0] if res.rows else []):
        kind, eid, role, ring, typology, score, ring_hash = line.split(FIELD_SEP)
        if status.get(ring_hash) == DISMISSED:
            continue
        index.add_ring_member(kind, eid, RingRef(ring, typology, role, float(score)))
    members = memberships_from_rows(store.run("grades_ring_members", {}).records())
    for g in compute_grades(members, status, grade_config or GradeConfig()):
        if g.kind in ("doctor", "institution"):
            index.grades[(g.kind, g.id)] = GradeRef(g.grade, g.explanation, g.explanation_zh)
    for sid, code in _trace_code_pairs(store, page_size, bound):
        index.trace_codes.setdefault(code, sid)
    rx = read_table(store, "prescriptions", page_size=page_size, bound=bound)
    _add_settlements(index, rx)
    return index


def _trace_code_pairs(store: Store, page_size: int, bound: int) -> list[tuple[str, str]]:
    """(settlement id, trace code) of every item that has one, in a stable order (the
    first settlement of a code is the smallest id: the same index from the same data)."""
    pairs: list[tuple[str, str]] = []
    for lo in range(0, bound, page_size):
        res = store.run(
            "screen_read_trace_codes", {"lo": lo, "hi": lo + page_size, "sep": FIELD_SEP}
        )
        for line in res.rows[0][0] if res.rows else []:
            sid, _, code = str(line).partition(FIELD_SEP)
            pairs.append((sid, code))
    pairs.sort()
    return pairs


def _add_settlements(index: ScreenIndex, rx: pd.DataFrame) -> None:
    """Inpatient stays as :class:`Settlement` objects (the only settlements a rule looks
    back at: readmission, a visit during a stay elsewhere, the alert's recent stays) and,
    for everyone, the day of the last settlement (the alert's reference day). One object
    per settlement for all 1.3M settlements of a 200k-participant province was most of the
    build's time and memory (docs/benchmarks.md, Screening)."""
    if rx.empty:
        return
    end = rx["discharge_date"].fillna(rx["date"]).astype(str).str.slice(0, 10)
    last = end.groupby(rx["participant_id"].astype(str), sort=True).max()
    for pid, day in zip(last.index.tolist(), last.tolist(), strict=True):
        index.last_day[pid] = date.fromisoformat(day)
    stays = rx[rx["visit_type"] == "inpatient"]
    cols = [
        stays[c].tolist()
        for c in (
            "prescription_id",
            "participant_id",
            "institution_id",
            "doctor_id",
            "date",
            "discharge_date",
            "visit_type",
            "diagnosis_code",
            "account_holder_id",
        )
    ]
    for sid, pid, iid, did, day, out, visit, dx, holder in zip(*cols, strict=True):
        end_day = _text(out)
        index.add_settlement(
            Settlement(
                prescription_id=str(sid),
                participant_id=str(pid),
                institution_id=str(iid),
                date=date.fromisoformat(str(day)[:10]),
                doctor_id=_text(did),
                discharge_date=date.fromisoformat(end_day[:10]) if end_day else None,
                visit_type=_text(visit),
                diagnosis_code=_text(dx),
                account_holder_id=_text(holder),
            )
        )


class IndexHolder:
    """The current index, rebuilt when the store's data version moves."""

    def __init__(
        self,
        store: Store,
        *,
        check_every_s: float = 1.0,
        grade_config: GradeConfig | None = None,
    ) -> None:
        self.store = store
        self.check_every_s = check_every_s
        self.grade_config = grade_config
        self._lock = threading.Lock()
        self._index: ScreenIndex | None = None
        self._checked = 0.0

    def get(self) -> ScreenIndex:
        with self._lock:
            now = time.monotonic()
            if self._index is None:
                self._index = build_index(self.store, grade_config=self.grade_config)
                self._checked = now
            elif now - self._checked >= self.check_every_s:
                self._checked = now
                version = self.store.data_version()
                if version is None or version != self._index.version:
                    self._index = build_index(self.store, grade_config=self.grade_config)
            return self._index
