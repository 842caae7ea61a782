"""Binomial tests of admitting units: each doctor at an institution, and the institution.

Why its own module: split and ghost hospitalisation, over-prescription and duplicate
charging all ask the same question, "does this doctor or this hospital show a pattern far
more often than the other hospitals?", under one null model (leave-one-out pooled rate,
two passes so outliers do not set the base rate, a Bonferroni maximum over two
statistics) and one rule for which units make a ring (:func:`hospital_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphsvc.detection.finding import bonferroni_max_log10
from graphsvc.detection.rings import log10_binom_sf, weak
from graphsvc.locale.msg import Msg


@dataclass(frozen=True)
class UnitTest:
    """One admitting unit's binomial tests: a doctor at a hospital, or the hospital (doctor "")."""

    inst: str
    doctor: str
    stays: int
    counts: tuple[int, ...]  # flagged stays per statistic
    rates: tuple[float, ...]  # the null rate of each statistic
    log10_p: float  # Bonferroni-corrected maximum over the statistics

    def who(self) -> Msg:
        """The unit as a reason names it: the doctor, or the hospital when no doctor is tested."""
        if self.doctor:
            return Msg("reason.who.doctor", doctor=self.doctor)
        return Msg("reason.who.institution", institution=self.inst)


class UnitRows:
    """One unit's rows of the tested table, taken when a ring needs them.

    A province has tens of thousands of units (every doctor at every institution) and
    a ring comes from a few: slicing a frame per unit up front was most of the tests'
    time at scale. ``frame()`` gives exactly the rows a groupby of the unit would.
    """

    def __init__(self, table: pd.DataFrame, positions: np.ndarray) -> None:
        self._table = table
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    def frame(self) -> pd.DataFrame:
        return self._table.iloc[self._positions]


def hospital_groups(
    units: list[tuple[UnitTest, UnitRows]], tests: int, floor: float
) -> list[tuple[list[UnitTest], pd.DataFrame]]:
    """Which units make a ring, one ring per hospital.

    The doctors at a hospital whose own test is significant form the ring together (a
    scheme of two doctors is one ring, not two halves); where no single doctor is
    significant, the hospital as a whole may be (a scheme spread thin over many
    doctors). Returns the significant units (strongest first) and their stays.
    """
    by_inst: dict[str, list[tuple[UnitTest, UnitRows]]] = {}
    for t, grp in units:
        by_inst.setdefault(t.inst, []).append((t, grp))
    out: list[tuple[list[UnitTest], pd.DataFrame]] = []
    for inst in sorted(by_inst):
        sig = [
            (t, g)
            for t, g in by_inst[inst]
            if max(t.counts, default=0) > 0 and not weak(-t.log10_p, tests, floor)
        ]
        doctors = [(t, g) for t, g in sig if t.doctor]
        chosen = doctors or [(t, g) for t, g in sig if not t.doctor]
        if not chosen:
            continue
        chosen.sort(key=lambda tg: (tg[0].log10_p, tg[0].doctor))
        stays = pd.concat([g.frame() for _, g in chosen]).drop_duplicates("prescription_id")
        out.append(([t for t, _ in chosen], stays))
    return out


def _flag(st: pd.DataFrame, col: str) -> np.ndarray:
    values = st[col]
    if values.dtype != bool:
        raise TypeError(f"unit flag column {col!r} must be boolean, not {values.dtype}")
    flags: np.ndarray = values.to_numpy(dtype=np.int64)
    return flags


def _runs(keys: np.ndarray, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """``rows`` (ascending) split into runs of equal ``keys``, keys ascending."""
    order = np.argsort(keys, kind="stable")
    k, r = keys[order], rows[order]
    if len(k) == 0:
        return []
    cut = np.flatnonzero(k[1:] != k[:-1]) + 1
    starts = np.concatenate([[0], cut])
    return [(int(k[a]), run) for a, run in zip(starts, np.split(r, cut), strict=True)]


def _units_of(
    st: pd.DataFrame, doctor_col: str
) -> tuple[pd.Index, list[tuple[int, str, np.ndarray]]]:
    """Every hospital and every doctor there: (institution code, doctor or "", row
    positions), in the order a sorted groupby by institution then doctor gives them."""
    inst_code, inst_names = pd.factorize(st["institution_id"], sort=True)
    doc_code, doc_names = pd.factorize(st[doctor_col], sort=True)
    docs = np.asarray(doc_names, dtype=object)
    rows = np.arange(len(st))
    blank = np.flatnonzero(docs == "")
    has_doc = (doc_code >= 0) & ~np.isin(doc_code, blank)
    per_inst = _runs(inst_code[inst_code >= 0], rows[inst_code >= 0])
    sel = (inst_code >= 0) & has_doc
    n_docs = max(len(docs), 1)
    by_doc = _runs(inst_code[sel].astype(np.int64) * n_docs + doc_code[sel], rows[sel])
    units: list[tuple[int, str, np.ndarray]] = []
    at = 0
    for i, inst_rows in per_inst:
        units.append((i, "", inst_rows))
        while at < len(by_doc) and by_doc[at][0] // n_docs == i:
            key, doc_rows = by_doc[at]
            units.append((i, str(docs[key % n_docs]), doc_rows))
            at += 1
    return pd.Index(inst_names), units


def unit_tests(
    st: pd.DataFrame, flags: tuple[str, str], doctor_col: str, floor: float
) -> tuple[list[tuple[UnitTest, UnitRows]], int]:
    """Binomial tests of every hospital and every admitting doctor, on two stay flags.

    Null model: each stay carries a flag independently at the pooled rate of the
    *other* hospitals (Laplace-smoothed). Two passes, because a ring's own stays must
    not make its pattern look normal (nor one ring hide another): the first pass finds
    the hospitals that stand out; the second leaves them out of every base rate (as
    well as the hospital under test). Returns the second pass and the number of tests.
    Counts are integer sums over row positions (no frame per unit).
    """
    a_col, b_col = flags
    a, b = _flag(st, a_col), _flag(st, b_col)
    inst_names, groups = _units_of(st, doctor_col)
    k = len(inst_names)
    inst_rows = {i: r for i, doc, r in groups if not doc}
    n_inst = np.array([len(inst_rows.get(i, ())) for i in range(k)], dtype=np.int64)
    a_inst = np.array([int(a[inst_rows[i]].sum()) if i in inst_rows else 0 for i in range(k)])
    b_inst = np.array([int(b[inst_rows[i]].sum()) if i in inst_rows else 0 for i in range(k)])
    counted = [(i, doc, r, len(r), int(a[r].sum()), int(b[r].sum())) for i, doc, r in groups]
    tests = len(groups)

    def run(excluded: set[str]) -> list[tuple[UnitTest, UnitRows]]:
        out_mask = np.array([str(name) in excluded for name in inst_names], dtype=bool)
        keep = ~out_mask
        n0 = int(n_inst[keep].sum())
        a0, b0 = int(a_inst[keep].sum()), int(b_inst[keep].sum())
        out: list[tuple[UnitTest, UnitRows]] = []
        for i, doc, rows, s, ra, rb in counted:
            inst = str(inst_names[i])
            n, na, nb = n0, a0, b0
            if not out_mask[i]:  # leave the hospital under test out of its own rate
                n -= int(n_inst[i])
                na -= int(a_inst[i])
                nb -= int(b_inst[i])
            pa = min((na + 1) / (max(n, 0) + 2), 0.5)
            pb = min((nb + 1) / (max(n, 0) + 2), 0.5)
            lp = bonferroni_max_log10([log10_binom_sf(ra, s, pa), log10_binom_sf(rb, s, pb)])
            out.append((UnitTest(inst, doc, s, (ra, rb), (pa, pb), lp), UnitRows(st, rows)))
        return out

    first = run(set())
    outliers = {t.inst for t, _ in first if not weak(-t.log10_p, tests, floor)}
    return run(outliers), tests
