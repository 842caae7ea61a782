"""``generate_province``: the whole synthetic province, written in the contract format.

Stages draw from their own child generators (``default_rng([seed, stage])``) so
changing one stage does not reshuffle the others, and the same seed and size always
give byte-identical files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from graphsvc.errors import InputError
from graphsvc.generate import activity, benign, confounders, facilities, population, rings
from graphsvc.generate.badrows import inject_bad_rows
from graphsvc.generate.national import write_national
from graphsvc.generate.truth import GroundTruth
from graphsvc.generate.world import World
from graphsvc.generate.writer import build_tables, write_tables

log = logging.getLogger(__name__)

MIN_PARTICIPANTS = 1_000  # below this the planted rings outweigh ordinary care
# national: the national platform's files, fields and code lists (generate/national.py)
FORMATS = ("csv", "parquet", "national")


def generate_province(
    out_dir: Path,
    participants: int,
    seed: int,
    fmt: str = "csv",
    *,
    with_errors: bool = False,
    progress: bool = False,
) -> GroundTruth:
    """Write a province of ``participants`` insured people and return its ground truth."""
    if participants < MIN_PARTICIPANTS:
        raise InputError(f"--participants must be at least {MIN_PARTICIPANTS}")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if fmt == "national" and with_errors:
        # the bad rows are contract-rule breaks; rewritten as national codes some would
        # turn valid (an unknown visit type has no med_type), so ground truth would lie
        raise InputError("--with-errors is not available with --format national")
    out_dir = Path(out_dir)
    truth = GroundTruth(seed=seed, participants=participants)
    w = World(
        rng=np.random.default_rng([seed, 0]),
        n=participants,
        seed=seed,
        scale=participants / 20_000,
        truth=truth,
    )
    stages: list[tuple[str, Callable[[World], None]]] = [
        ("institutions", facilities.build_institutions),
        ("doctors", facilities.build_doctors),
        ("households", population.build_population),
        ("identifiers", population.build_identifiers),
        ("family links", population.build_family_links),
        ("chronic care", activity.assign_chronic),
        ("ordinary care", activity.build_base_activity),
        ("benign look-alikes", benign.build_benign),
        ("planted rings", rings.build_rings),
        ("confounders", confounders.build_confounders),
    ]
    bar = tqdm(total=len(stages) + 3, desc="generate", unit="step", disable=not progress)
    for j, (name, stage) in enumerate(stages, start=1):
        bar.set_postfix_str(name)
        w.rng = np.random.default_rng([seed, j])
        stage(w)
        bar.update()
    bar.set_postfix_str("pricing")
    w.rng = np.random.default_rng([seed, 100])
    settlements, lines = activity.finalise(w)
    bar.update()
    bar.set_postfix_str("tables")
    w.rng = np.random.default_rng([seed, 101])
    tables = build_tables(w, settlements, lines)
    n_settlements = len(settlements["pat"])
    del settlements, lines
    if with_errors:
        w.rng = np.random.default_rng([seed, 102])
        truth.bad_rows = inject_bad_rows(w, tables)
    bar.update()
    bar.set_postfix_str("writing")
    if fmt == "national":
        write_national(tables, out_dir, seed)
    else:
        write_tables(tables, out_dir, fmt)
    truth.write(out_dir / "ground_truth.json")
    bar.update()
    bar.close()
    log.info(
        "generated %d participants, %d settlements, %d rings into %s",
        participants,
        n_settlements,
        len(truth.rings),
        out_dir,
    )
    return truth
