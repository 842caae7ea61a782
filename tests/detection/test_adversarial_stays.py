"""Adversarial split and ghost hospitalisation cases (Art. 23(1)), pure GraphData.

Every exemption and threshold both ways: the legitimate group it names is not flagged,
and a ring that imitates it is still caught. Each province has 400 ordinary stays at
four hospitals (with a few honest relapses and stray mid-stay purchases) as the base
rate, so a test measures the pattern against a population, not against nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from graphsvc.detection import DetectConfig, GraphData, run_detectors
from graphsvc.detection.config import config_from_dict
from graphsvc.errors import InputError

RX = (
    "prescription_id participant_id institution_id doctor_id date discharge_date visit_type "
    "diagnosis_code fund_paid account_holder_id account_paid"
)
REF = "referral_id participant_id from_institution_id from_doctor_id to_institution_id date"
DAY0 = pd.Timestamp("2024-01-01")


class Province:
    """Row builder: ordinary background plus what a test plants."""

    def __init__(self) -> None:
        self.rows: list[tuple[object, ...]] = []
        self.refs: list[tuple[object, ...]] = []
        for i in range(400):  # ordinary stays at four hospitals, four doctors each
            h = i % 4
            start = 3 + (i * 7) % 300
            self.stay(f"N{i}", f"H{h}", f"D{h}{i % 3}", start, 4 + i % 5, "K35.8")
            if i % 25 == 0:  # an honest relapse 12 days later
                self.stay(f"N{i}", f"H{h}", f"D{h}{i % 3}", start + 4 + i % 5 + 12, 4, "K35.8")
            if i % 29 == 1:  # a relative buys medicine on the patient's card (spread evenly)
                self.visit(f"N{i}", "S9", start + 2, "pharmacy")

    def stay(self, p: str, inst: str, doc: str | None, start: int, days: int, dx: str) -> int:
        a = (DAY0 + pd.Timedelta(days=start)).date().isoformat()
        b = (DAY0 + pd.Timedelta(days=start + days)).date().isoformat()
        self.rows.append((f"X{len(self.rows)}", p, inst, doc, a, b, "inpatient", dx, 3000.0, None,
                          200.0))  # fmt: skip
        return start + days

    def visit(self, p: str, inst: str, day: int, kind: str = "outpatient") -> None:
        d = (DAY0 + pd.Timedelta(days=day)).date().isoformat()
        doc = "DC" if kind == "outpatient" else None
        self.rows.append((f"X{len(self.rows)}", p, inst, doc, d, None, kind, "J06.9", 50.0, None,
                          10.0))  # fmt: skip

    def refer(self, p: str, a: str, b: str, day: int) -> None:
        d = (DAY0 + pd.Timedelta(days=day)).date().isoformat()
        self.refs.append((f"R{len(self.refs)}", p, a, None, b, d))

    def series(self, p: str, inst: str, doc: str, gaps: list[int], dx: str, los: int = 5) -> None:
        """Stays of ``los`` days with the given gaps (days from discharge to readmission)."""
        end = self.stay(p, inst, doc, 20, los, dx)
        for g in gaps:
            end = self.stay(p, inst, doc, end + g, los, dx)

    def detect(
        self, make_data: Callable[..., GraphData], typology: str, config: DetectConfig | None = None
    ) -> list[list[str]]:
        data = make_data(prescriptions=(self.rows, RX), referrals=(self.refs, REF))
        rings = run_detectors(data, config or DetectConfig(), typology).rings
        return [sorted(m.id for m in r.members) for r in rings]


def _flags(rings: list[list[str]], ident: str) -> bool:
    return any(ident in r for r in rings)


# -- split hospitalisation: the treatment-cycle exemption ------------------------------
def test_fortnightly_chemotherapy_is_care(make_data: Callable[..., GraphData]) -> None:
    """Chemo every 14 days for 1-3 days with C / Z51.1 codes: regular cadence + treatment."""
    pv = Province()
    for i in range(12):
        dx = "Z51.1" if i % 2 else "C50.9"
        pv.series(f"O{i}", "H0", "DONC", [12 + i % 2] * 6, dx, los=1 + i % 3)
    assert not _flags(pv.detect(make_data, "split_hospitalisation"), "DONC")


def test_cancer_code_back_to_back_is_still_split(make_data: Callable[..., GraphData]) -> None:
    """A ring hiding behind cancer codes but readmitting 0-2 days later is caught."""
    pv = Province()
    for i in range(6):
        pv.series(f"S{i}", "H1", "DX", [i % 3, 1, 0], "C34.9")
    rings = pv.detect(make_data, "split_hospitalisation")
    assert any("DX" in r and {f"S{i}" for i in range(6)} <= set(r) for r in rings), rings


def test_regular_cadence_without_treatment_diagnosis_is_split(
    make_data: Callable[..., GraphData],
) -> None:
    """Cadence alone is not care: pneumonia readmitted every 10 days, like clockwork."""
    pv = Province()
    for i in range(6):
        pv.series(f"S{i}", "H1", "DX", [10, 10, 10], "J18.9")
    assert _flags(pv.detect(make_data, "split_hospitalisation"), "DX")


def test_day_sixteen_readmission_is_caught(make_data: Callable[..., GraphData]) -> None:
    """A ring that waits out a 15-day rule (readmits on day 16-20) is still found."""
    pv = Province()
    for i in range(8):
        pv.series(f"S{i}", "H2", "DX", [16 + i % 5, 16], "J44.9")
    assert _flags(pv.detect(make_data, "split_hospitalisation"), "DX")


def test_sister_hospital_readmission_is_caught(make_data: Callable[..., GraphData]) -> None:
    """Discharged by H1, readmitted by H2 the next days, no referral: both named."""
    pv = Province()
    for i in range(7):
        end = pv.stay(f"S{i}", "H1", "DA", 30 + i, 6, "I63.9")
        end = pv.stay(f"S{i}", "H2", "DB", end + 1, 6, "I63.9")
        pv.stay(f"S{i}", "H1", "DA", end + 2, 6, "I63.9")
    rings = pv.detect(make_data, "split_hospitalisation")
    assert any({"H1", "H2"} <= set(r) for r in rings), rings


def test_referred_transfer_is_not_split(make_data: Callable[..., GraphData]) -> None:
    """Moved up with a referral record for the same condition: a transfer, not a split."""
    pv = Province()
    for i in range(8):
        end = pv.stay(f"T{i}", "H1", "DA", 30 + 3 * i, 4, "I63.9")
        pv.refer(f"T{i}", "H1", "H3", 30 + 3 * i + 4)
        pv.stay(f"T{i}", "H3", "DT", end + 1, 8, "I63.9")
    assert not _flags(pv.detect(make_data, "split_hospitalisation"), "DT")


def test_a_referral_does_not_cover_a_same_hospital_split(
    make_data: Callable[..., GraphData],
) -> None:
    """A ring writing referrals elsewhere cannot exempt readmissions at its own ward."""
    pv = Province()
    for i in range(6):
        pv.refer(f"S{i}", "H1", "H3", 40)
        pv.series(f"S{i}", "H1", "DX", [1, 2, 1], "J18.9")
    assert _flags(pv.detect(make_data, "split_hospitalisation"), "DX")


def test_two_doctors_one_scheme_is_one_ring(make_data: Callable[..., GraphData]) -> None:
    pv = Province()
    for i in range(10):
        pv.series(f"S{i}", "H1", "DX" if i % 2 else "DY", [1, 0, 2], "J18.9")
    rings = pv.detect(make_data, "split_hospitalisation")
    assert any({"DX", "DY", "H1"} <= set(r) for r in rings), rings


def test_exemption_is_recorded_on_the_ring(make_data: Callable[..., GraphData]) -> None:
    """A ring mixing chemo cycles and splits says how many readmissions the cycle spared."""
    pv = Province()
    for i in range(6):
        pv.series(f"S{i}", "H1", "DX", [1, 0, 2], "J18.9")
        pv.series(f"O{i}", "H1", "DX", [14, 14, 14], "Z51.1", los=2)
    data = make_data(prescriptions=(pv.rows, RX), referrals=(pv.refs, REF))
    ring = run_detectors(data, DetectConfig(), "split_hospitalisation").rings[0]
    spared = {e.name: e.removed for f in ring.findings for e in f.exemptions}
    assert spared["treatment_cycle"] == 18
    assert any("treatment series" in r for r in ring.reasons)
    assert ring.money is not None and ring.money.account > 0


def test_treatment_prefixes_are_validated() -> None:
    with pytest.raises(InputError, match="treatment_diagnosis_prefixes"):
        config_from_dict({"split_hospitalisation": {"treatment_diagnosis_prefixes": ["1X"]}}, "")


# -- ghost hospitalisation ---------------------------------------------------------------
def _ghosts(pv: Province, inst: str, docs: list[str], k: int, away: int) -> None:
    for i in range(k):
        pv.stay(f"G{i}", inst, docs[i % len(docs)], 40 + 5 * i, 10, "M17.9")
        for d in range(away):
            pv.visit(f"G{i}", "S1" if d % 2 else "C1", 40 + 5 * i + 2 + 3 * d,
                     "pharmacy" if d % 2 else "outpatient")  # fmt: skip


def test_ghost_beds_of_one_doctor_found(make_data: Callable[..., GraphData]) -> None:
    pv = Province()
    _ghosts(pv, "H2", ["DG"], 6, 2)
    rings = pv.detect(make_data, "ghost_hospitalisation")
    assert any({"H2", "DG"} <= set(r) and {f"G{i}" for i in range(6)} <= set(r) for r in rings)


def test_ghost_beds_with_one_stray_settlement_each_found(
    make_data: Callable[..., GraphData],
) -> None:
    """A ring that keeps to one stray settlement per stay (like honest noise) is caught by
    its concentration at one doctor."""
    pv = Province()
    _ghosts(pv, "H2", ["DG"], 8, 1)
    assert _flags(pv.detect(make_data, "ghost_hospitalisation"), "DG")


def test_ghost_beds_spread_over_doctors_found(make_data: Callable[..., GraphData]) -> None:
    """A hospital spreading ghost beds thin over four doctors is found as a hospital."""
    pv = Province()
    _ghosts(pv, "H3", ["DG1", "DG2", "DG3", "DG4"], 12, 2)
    rings = pv.detect(make_data, "ghost_hospitalisation")
    assert any("H3" in r and len({f"G{i}" for i in range(12)} & set(r)) >= 10 for r in rings)


def test_stray_mid_stay_purchases_are_not_ghost_beds(make_data: Callable[..., GraphData]) -> None:
    """Ordinary inpatients with a relative's purchase now and then, evenly spread."""
    pv = Province()
    assert pv.detect(make_data, "ghost_hospitalisation") == []


def test_ghost_finding_states_its_null(make_data: Callable[..., GraphData]) -> None:
    pv = Province()
    _ghosts(pv, "H2", ["DG"], 6, 2)
    data = make_data(prescriptions=(pv.rows, RX), referrals=(pv.refs, REF))
    ring = run_detectors(data, DetectConfig(), "ghost_hospitalisation").rings[0]
    (f,) = ring.findings
    assert f.typology == "ghost_hospitalisation" and f.clause == "Hainan Art. 23(1)"
    assert "rate of every other hospital" in f.null_model and f.tests > 4
    assert f.observed > f.expected
    assert ring.reasons_zh and "挂床住院" in ring.reasons_zh[0]
