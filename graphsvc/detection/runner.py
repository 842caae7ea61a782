"""Run detectors on GraphData: the pure core of ``graphsvc detect``.

Each detector returns candidate rings with surprise and tests; the runner applies the
one significance threshold, computes scores, clauses and content-hash ring ids, and
sorts deterministically (score desc, surprise desc, ring id).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from tqdm import tqdm

from graphsvc.detection.common import PYTHON_CLUSTERING, Clustering
from graphsvc.detection.config import DetectConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.rings import (
    CLAUSES,
    TYPOLOGIES,
    TYPOLOGY_ZH,
    Ring,
    ring_id_of,
    score_of,
)
from graphsvc.errors import InputError
from graphsvc.locale.msg import Msg, Twin

log = logging.getLogger(__name__)


class Detector(Protocol):
    def __call__(
        self, data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
    ) -> list[Ring]: ...


MODULES: dict[str, str] = {
    "shared_identity": "graphsvc.detection.shared_identity",
    "organised_visits": "graphsvc.detection.organised_visits",
    "fake_referral": "graphsvc.detection.fake_referral",
    "family_sharing_abuse": "graphsvc.detection.family_sharing",
    "pharmacy_collusion": "graphsvc.detection.pharmacy_collusion",
    "split_hospitalisation": "graphsvc.detection.split_hospitalisation",
    "ghost_hospitalisation": "graphsvc.detection.ghost_hospitalisation",
    "over_prescription": "graphsvc.detection.over_prescription",
    "duplicate_charging": "graphsvc.detection.duplicate_charging",
    "duplicate_enrolment": "graphsvc.detection.duplicate_enrolment",
    "card_lending": "graphsvc.detection.card_lending",
    "fabricated_services": "graphsvc.detection.fabricated_services",
}


def detector(typology: str) -> Detector:
    module = importlib.import_module(MODULES[typology])
    fn: Detector = module.detect
    return fn


@dataclass
class DetectionResult:
    rings: list[Ring]
    timings: dict[str, float] = field(default_factory=dict)
    candidates: dict[str, int] = field(default_factory=dict)

    def by_typology(self) -> dict[str, list[Ring]]:
        out: dict[str, list[Ring]] = {t: [] for t in TYPOLOGIES}
        for r in self.rings:
            out.setdefault(r.typology, []).append(r)
        return out


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """Typologies to run, in the canonical order.

    >>> parse_only("fake_referral, shared_identity")
    ['shared_identity', 'fake_referral']
    >>> parse_only(None) == list(TYPOLOGIES)
    True
    """
    if only is None:
        return list(TYPOLOGIES)
    names = [s.strip() for s in only.split(",")] if isinstance(only, str) else list(only)
    names = [n for n in names if n]
    unknown = sorted(set(names) - set(TYPOLOGIES))
    if unknown:
        raise InputError(f"unknown typologies {unknown}; choose from {', '.join(TYPOLOGIES)}")
    return [t for t in TYPOLOGIES if t in names]


def finalise(rings: list[Ring], typology: str, config: DetectConfig) -> list[Ring]:
    """Threshold, score, id and clause of one detector's candidates."""
    params = config.section_json(typology)
    out: list[Ring] = []
    seen: set[str] = set()
    for r in rings:
        if r.adjusted_surprise < config.scoring.min_adjusted_surprise:
            continue
        r.typology = typology
        r.clause = r.clause or CLAUSES[typology]
        r.score = score_of(r.adjusted_surprise, config.scoring.score_scale)
        r.ring_id = ring_id_of(typology, r.members, params)
        for f in r.findings:
            f.clause = f.clause or CLAUSES.get(f.typology, "")
            f.score = score_of(-f.log10_p_corrected, config.scoring.score_scale)
        if r.money is not None:
            r.amount_at_risk = r.money.total
        if r.ring_id in seen:
            continue
        seen.add(r.ring_id)
        out.append(r)
    return out


def absorb(rings: list[Ring]) -> list[Ring]:
    """Fold a ring into a larger ring of another typology that holds most of its members.

    One scheme often shows several patterns: a recruiter's group admitted together and
    discharged and readmitted days later is organised visits *and* split stays. The
    investigator gets one ring (the broader one) with the other pattern's reasons.
    When the two are mostly the same people (each holds most of the other), the broader
    in time hosts (then the stronger evidence): a coach of out-of-region recruits brought
    eight times over a year is organised visits, with "many cards at one counter on a
    day" (one of its trips) as its second finding.
    """
    while True:
        kept = _absorb_once(rings)
        if len(kept) == len(rings):
            return kept
        rings = kept


def _absorb_once(rings: list[Ring]) -> list[Ring]:
    """One pass of :func:`absorb` (a new host may hold rings kept before it came)."""
    by_size = sorted(rings, key=lambda r: (-r.member_count, -r.score, r.ring_id))
    kept: list[Ring] = []
    for r in by_size:
        keys = r.member_keys()
        at = next(
            (
                i
                for i, k in enumerate(kept)
                if k.typology != r.typology and 2 * len(keys & k.member_keys()) >= len(keys)
            ),
            None,
        )
        if at is None:
            kept.append(r)
            continue
        host = kept[at]
        same_people = 2 * len(keys & host.member_keys()) >= len(host.member_keys())
        if same_people and _breadth(r) > _breadth(host):
            _fold(r, host)
            kept[at] = r
        else:
            _fold(host, r)
    return kept


def _breadth(r: Ring) -> tuple[int, float]:
    """Days a ring's evidence spans, then its adjusted surprise (the host order of
    :func:`absorb` for two rings of mostly the same people)."""
    try:
        days = (
            date.fromisoformat(str(r.period_end)) - date.fromisoformat(str(r.period_start))
        ).days
    except ValueError:
        days = 0
    return days, r.adjusted_surprise


def _fold(host: Ring, r: Ring) -> None:
    """``r``'s verdict, reasons and evidence added to ``host``."""
    both = host.bilingual and r.bilingual
    host.also.append(r.summary())
    host.also.extend(r.also)
    host.findings.extend(r.findings)
    name = Twin(r.typology.replace("_", " "), TYPOLOGY_ZH.get(r.typology, r.typology))
    also_en, also_zh = Msg("reason.also", typology=name, ring=r.ring_id).pair()
    host.reasons.append(also_en)
    host.reasons.extend(r.reasons)
    if both:
        host.reasons_zh.append(also_zh)
        host.reasons_zh.extend(r.reasons_zh)
    else:
        # A ring without Chinese twins: half-translated reasons would pair wrongly.
        host.reasons_zh.clear()
    host.evidence.extend(r.evidence)


def sort_rings(rings: list[Ring]) -> list[Ring]:
    return sorted(rings, key=lambda r: (-r.score, -round(r.surprise, 6), r.ring_id))


def run_detectors(
    data: GraphData,
    config: DetectConfig | None = None,
    only: str | Iterable[str] | None = None,
    *,
    progress: bool = False,
    clustering: Clustering | None = None,
) -> DetectionResult:
    """Every (or the selected) detector on ``data``; rings sorted by score, highest first.

    ``clustering`` says where Leiden and components run (default: in this process);
    :func:`graphsvc.detection.io.run_detection` picks it from the store.
    """
    config = config or DetectConfig()
    clustering = clustering or PYTHON_CLUSTERING
    names = parse_only(only)
    all_rings: list[Ring] = []
    timings: dict[str, float] = {}
    candidates: dict[str, int] = {}
    bar = tqdm(names, desc="detect", unit="detector", disable=not progress, leave=False)
    for name in bar:
        bar.set_postfix_str(name)
        t0 = time.perf_counter()
        found = detector(name)(data, config, clustering=clustering)
        candidates[name] = len(found)
        kept = finalise(found, name, config)
        timings[name] = round(time.perf_counter() - t0, 3)
        log.info("%s: %d candidates, %d rings, %.2fs", name, len(found), len(kept), timings[name])
        all_rings.extend(kept)
    return DetectionResult(
        rings=sort_rings(absorb(all_rings)), timings=timings, candidates=candidates
    )
