"""Designated institutions (hospitals of levels 1-3, clinics, pharmacies) and their doctors.

Counts scale with the province size: every region gets at least one county (level-2)
hospital, one clinic and one pharmacy; third-level hospitals sit in Haikou, Sanya and
Danzhou, as in Hainan. Doctors are numbered institution by institution, so an
institution's doctors are the contiguous range ``inst_doc_start .. + inst_doc_count``.
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate import catalog as cat
from graphsvc.generate.world import CLINIC, HOSPITAL, PHARMACY_KIND, World


def _region_counts(w: World, total: float, minimum: int) -> np.ndarray:
    weights = np.array([r.weight for r in cat.REGIONS])
    share = weights / weights.sum()
    counts: np.ndarray = np.maximum(minimum, np.round(share * total)).astype(np.int64)
    return counts


def build_institutions(w: World) -> None:
    rng = w.rng
    s = w.scale
    kinds: list[int] = []
    levels: list[int] = []
    regions: list[int] = []
    names: list[str] = []
    n_l3 = max(3, round(3 * s))
    for j in range(n_l3):
        r, name = cat.L3_HOSPITALS[j % len(cat.L3_HOSPITALS)]
        if j >= len(cat.L3_HOSPITALS):
            name = f"{name}{j // len(cat.L3_HOSPITALS) + 1}院区"
        kinds.append(HOSPITAL)
        levels.append(3)
        regions.append(r)
        names.append(name)
    plan = (
        ("l2", HOSPITAL, 2, _region_counts(w, 14 * s, 1)),
        ("l1", HOSPITAL, 1, _region_counts(w, 22 * s, 1)),
        ("clinic", CLINIC, 0, _region_counts(w, 60 * s, 1)),
        ("pharmacy", PHARMACY_KIND, 0, _region_counts(w, 90 * s, 1)),
    )
    for word_key, kind, level, counts in plan:
        words = cat.INSTITUTION_WORDS[word_key]
        for r, c in enumerate(counts):
            city = cat.REGIONS[r].name
            for j in range(int(c)):
                place = cat.PLACE_WORDS[int(rng.integers(len(cat.PLACE_WORDS)))]
                word = words[int(rng.integers(len(words)))]
                if word_key == "l2" and j == 0:
                    names.append(f"{city}{words[0]}")
                else:
                    names.append(f"{city}{place}{word}")
                kinds.append(kind)
                levels.append(level)
                regions.append(r)
    # Names must be unique: number the repeats (分店/分院 style).
    seen: dict[str, int] = {}
    for idx, nm in enumerate(names):
        k = seen.get(nm, 0)
        seen[nm] = k + 1
        if k:
            names[idx] = f"{nm}（{k + 1}{'分店' if kinds[idx] == PHARMACY_KIND else '分院'}）"
    w.inst_kind = np.array(kinds, dtype=np.int64)
    w.inst_level = np.array(levels, dtype=np.int64)
    w.inst_region = np.array(regions, dtype=np.int64)
    w.inst_name = names


def build_doctors(w: World) -> None:
    rng = w.rng
    n_inst = w.inst_kind.shape[0]
    count = np.zeros(n_inst, dtype=np.int64)
    lvl = w.inst_level
    hosp = w.inst_kind == HOSPITAL
    count[hosp & (lvl == 3)] = rng.integers(10, 18, size=int((hosp & (lvl == 3)).sum()))
    count[hosp & (lvl == 2)] = rng.integers(5, 9, size=int((hosp & (lvl == 2)).sum()))
    count[hosp & (lvl == 1)] = rng.integers(2, 4, size=int((hosp & (lvl == 1)).sum()))
    clinic = w.inst_kind == CLINIC
    count[clinic] = rng.integers(1, 3, size=int(clinic.sum()))
    w.inst_doc_count = count
    w.inst_doc_start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    w.doc_inst = np.repeat(np.arange(n_inst, dtype=np.int64), count)
    n_doc = int(count.sum())
    depts = cat.DEPARTMENTS
    dept_idx = rng.integers(0, len(depts), size=n_doc)
    w.doc_dept = [
        "全科" if w.inst_kind[w.doc_inst[d]] == CLINIC else depts[int(dept_idx[d])]
        for d in range(n_doc)
    ]
    w.doc_names = person_names(rng, n_doc)


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    sur = np.array(cat.SURNAMES)[rng.integers(0, len(cat.SURNAMES), size=n)]
    g1 = np.array(cat.GIVEN)[rng.integers(0, len(cat.GIVEN), size=n)]
    g2 = np.array(cat.GIVEN)[rng.integers(0, len(cat.GIVEN), size=n)]
    two = rng.random(n) < 0.7
    given = np.where(two, np.strings.add(g1, g2), g1)
    return list(np.strings.add(sur, given))


def institutions_of(w: World, kind: int, level: int | None = None) -> np.ndarray:
    ok = w.inst_kind == kind
    if level is not None:
        ok &= w.inst_level == level
    return np.flatnonzero(ok)


def region_table(w: World, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Padded [region, k] table of the given institutions and the count per region.

    Regions without one fall back to the whole province's list, so lookups never fail.
    """
    n_reg = len(cat.REGIONS)
    per = [members[w.inst_region[members] == r] for r in range(n_reg)]
    per = [p if p.shape[0] else members for p in per]
    width = max(p.shape[0] for p in per)
    table = np.full((n_reg, width), -1, dtype=np.int64)
    counts = np.zeros(n_reg, dtype=np.int64)
    for r, p in enumerate(per):
        table[r, : p.shape[0]] = p
        counts[r] = p.shape[0]
    return table, counts


def pick_in_region(
    table: np.ndarray, counts: np.ndarray, region: np.ndarray, u: np.ndarray
) -> np.ndarray:
    idx = np.floor(u * counts[region]).astype(np.int64)
    out: np.ndarray = table[region, idx]
    return out
