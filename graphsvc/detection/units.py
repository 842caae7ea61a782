"""Binomial tests of admitting units: each doctor at an institution, and the institution.

Why its own module: split and ghost hospitalisation, over-prescription and duplicate
charging all ask the same question, "does this doctor or this hospital show a pattern far
more often than the other hospitals?", under one null model (leave-one-out pooled rate,
two passes so outliers do not set the base rate, a Bonferroni maximum over two
statistics) and one rule for which units make a ring (:func:`hospital_groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from graphsvc.detection.finding import bonferroni_max_log10
from graphsvc.detection.rings import log10_binom_sf, weak


@dataclass(frozen=True)
class UnitTest:
    """One admitting unit's binomial tests: a doctor at a hospital, or the hospital (doctor "")."""

    inst: str
    doctor: str
    stays: int
    counts: tuple[int, ...]  # flagged stays per statistic
    rates: tuple[float, ...]  # the null rate of each statistic
    log10_p: float  # Bonferroni-corrected maximum over the statistics


def hospital_groups(
    units: list[tuple[UnitTest, pd.DataFrame]], tests: int, floor: float
) -> list[tuple[list[UnitTest], pd.DataFrame]]:
    """Which units make a ring, one ring per hospital.

    The doctors at a hospital whose own test is significant form the ring together (a
    scheme of two doctors is one ring, not two halves); where no single doctor is
    significant, the hospital as a whole may be (a scheme spread thin over many
    doctors). Returns the significant units (strongest first) and their stays.
    """
    by_inst: dict[str, list[tuple[UnitTest, pd.DataFrame]]] = {}
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
        stays = pd.concat([g for _, g in chosen]).drop_duplicates("prescription_id")
        out.append(([t for t, _ in chosen], stays))
    return out


def unit_tests(
    st: pd.DataFrame, flags: tuple[str, str], doctor_col: str, floor: float
) -> tuple[list[tuple[UnitTest, pd.DataFrame]], int]:
    """Binomial tests of every hospital and every admitting doctor, on two stay flags.

    Null model: each stay carries a flag independently at the pooled rate of the
    *other* hospitals (Laplace-smoothed). Two passes, because a ring's own stays must
    not make its pattern look normal (nor one ring hide another): the first pass finds
    the hospitals that stand out; the second leaves them out of every base rate (as
    well as the hospital under test). Returns the second pass and the number of tests.
    """
    a_col, b_col = flags
    per = st.groupby("institution_id", sort=True)[[a_col, b_col]].agg(["sum", "count"])
    groups: list[tuple[str, str, pd.DataFrame]] = []
    for inst, grp in st.groupby("institution_id", sort=True):
        groups.append((str(inst), "", grp))
        for doc, dgrp in grp[grp[doctor_col] != ""].groupby(doctor_col, sort=True):
            groups.append((str(inst), str(doc), dgrp))
    tests = len(groups)

    def run(excluded: set[str]) -> list[tuple[UnitTest, pd.DataFrame]]:
        keep = per.loc[~per.index.isin(sorted(excluded))]
        n0 = int(keep[(a_col, "count")].sum())
        a0, b0 = int(keep[(a_col, "sum")].sum()), int(keep[(b_col, "sum")].sum())
        out: list[tuple[UnitTest, pd.DataFrame]] = []
        for inst, doc, grp in groups:
            n, a, b = n0, a0, b0
            if inst not in excluded:  # leave the hospital under test out of its own rate
                n -= int(per.loc[inst, (a_col, "count")])
                a -= int(per.loc[inst, (a_col, "sum")])
                b -= int(per.loc[inst, (b_col, "sum")])
            pa = min((a + 1) / (max(n, 0) + 2), 0.5)
            pb = min((b + 1) / (max(n, 0) + 2), 0.5)
            s, ra, rb = len(grp), int(grp[a_col].sum()), int(grp[b_col].sum())
            lp = bonferroni_max_log10([log10_binom_sf(ra, s, pa), log10_binom_sf(rb, s, pb)])
            out.append((UnitTest(inst, doc, s, (ra, rb), (pa, pb), lp), grp))
        return out

    first = run(set())
    outliers = {t.inst for t, _ in first if not weak(-t.log10_p, tests, floor)}
    return run(outliers), tests
