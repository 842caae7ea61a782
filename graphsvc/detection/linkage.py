"""Record linkage: participant records that are one person under small differences.

Why (issue #15): a person re-keyed after a move, or enrolled twice with a mistyped ID
number, is two participant records; grouped on exact values they stay two people,
so a duplicate enrolment hides behind a typo and a household counts one member twice.
This module links such records with a Fellegi-Sunter model fitted by `splink`
(DuckDB backend) -- the field's reference implementation -- rather than rules of our
own: the chance of agreeing by coincidence (u) is measured on the data, the weight of
an ID-number, phone or address agreement is learned from it (EM, no labels), an
agreement on a common value (王伟, a busy birth date) counts for less than one on a
rare value (term-frequency adjustment), and every link carries its match
probability and the fields that agreed, which is what an investigator checks. The m
of name, sex and birth date are fixed priors, not learned: EM takes households
(twins, a father and son of one name) for people (:data:`NAME_M`).

Compared: writing Fellegi-Sunter ourselves is ~200 lines of EM over agreement
patterns, but blocking, u sampling, term-frequency adjustment, array comparisons and
a SQL engine fast enough for 200k records are what splink already is, tested by its
users (ONS, the UK Ministry of Justice, national statistics offices); ours would be a
second, unreviewed copy of it (docs/detection.md, "Record linkage").

What is compared (one row per record, :func:`features`): the name in three forms
(``graphsvc.contract.names``: folded characters, pinyin, surname), the birth date
(exact, one digit off or two swapped, day and month swapped, same year), sex, the
ID number (exact; its birthplace + birth date + sex bucket is a blocking key only, as
a comparison it would count the birth date twice), and the phones and addresses listed
(any in common). Phones and addresses
held by more than ``max_holders`` records are left out: a care home's number says
nothing about who a record is. In a store every value is a keyed pseudonym
(issue #14): only equality is compared, and equal forms stay equal, so the store and
a CSV directory give the same links.

Pure: frames in, frames out; no store, no I/O (an in-memory DuckDB is splink's
engine). Deterministic: the u sample is seeded, EM runs on integer pattern counts,
and probabilities are rounded before the threshold.
"""

from __future__ import annotations

import logging
import threading
import warnings
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from graphsvc.contract.names import name_forms
from graphsvc.detection import linkage_cache
from graphsvc.detection.config import LinkageConfig
from graphsvc.detection.data import GraphData
from graphsvc.locale.msg import Join, Msg

log = logging.getLogger(__name__)

# comparison -> labels of its levels, best first (splink's gamma: best = len - 1, else = 0)
LEVELS: dict[str, tuple[str, ...]] = {
    "person_name": ("same name", "same name in pinyin", "same surname", "different"),
    "birth_date": (
        "same birth date",
        "birth date one digit off or two swapped",
        "birth day and month swapped",
        "same birth year",
        "different",
    ),
    "gender": ("same sex", "different"),
    "id_number": ("same ID number", "different"),
    "phones": ("a phone in common", "different"),
    "addresses": ("an address in common", "different"),
}
# comparison -> catalog keys of its levels but "different", in LEVELS' order: what a
# reason says agreed (graphsvc/locale, keys reason.linkage.level.*)
LEVEL_TEXTS: dict[str, tuple[str, ...]] = {
    "person_name": (
        "reason.linkage.level.person_name.same",
        "reason.linkage.level.person_name.pinyin",
        "reason.linkage.level.person_name.surname",
    ),
    "birth_date": (
        "reason.linkage.level.birth_date.same",
        "reason.linkage.level.birth_date.typo",
        "reason.linkage.level.birth_date.day_month",
        "reason.linkage.level.birth_date.year",
    ),
    "gender": ("reason.linkage.level.gender.same",),
    "id_number": ("reason.linkage.level.id_number.same",),
    "phones": ("reason.linkage.level.phones.shared",),
    "addresses": ("reason.linkage.level.addresses.shared",),
}
_PROB_DIGITS = 6
# m of the name levels, fixed rather than learned. Why: EM finds the latent class that
# explains most agreement, and in a fund that is the household as often as the person
# -- twins agree on surname, birth date, address, phone and all of the ID number but
# its sequence code, so EM on the data took them for one person (docs/detection.md).
# What tells a person from their twin is the given name: household facts (surname,
# birth date, phone, flat) add up to ~17 bits, so a given name that differs must
# weigh more than that against. A record whose given name is wholly other (a name
# changed, 改名) is therefore never linked: a limit, said in docs/detection.md.
NAME_M: tuple[float, float, float, float] = (0.91, 0.08999, 0.000005, 0.000005)
GENDER_M = 0.995  # the same reason: twins of both sexes; sex is mistyped once in 200
# And for the birth date: a father and son of one name in one flat agree on everything
# but the birth date, so EM on the data let a wholly other birth date pass (m 0.07).
# A clerk's slip is one digit or two swapped; a wholly other date is a new person.
BIRTH_M: tuple[float, float, float, float, float] = (0.93, 0.05, 0.01, 0.008, 0.002)


@dataclass(frozen=True)
class Link:
    """Two records taken for one person, with what the model saw."""

    left: str
    right: str
    match_probability: float
    match_weight: float
    levels: dict[str, str]  # comparison -> level label (absent: a value missing)

    def agreed(self) -> list[str]:
        """The comparisons that agreed at some level (not 'different')."""
        return [k for k, v in self.levels.items() if v != "different"]

    def detail(self) -> Msg:
        """One line an investigator reads beside the link (the evidence's detail)."""
        return Msg(
            "evidence_detail.same_person",
            a=self.left,
            b=self.right,
            p=f"{self.match_probability:.4f}",
            what=self.agreed_text(),
        )

    def agreed_text(self) -> Join:
        """What agreed, from the catalogs: the reason's half of :meth:`detail`."""
        return Join(
            [
                Msg(LEVEL_TEXTS[k][LEVELS[k].index(v)])
                for k, v in self.levels.items()
                if v != "different"
            ],
            "sep.semi",
        )


@dataclass
class Linkage:
    """Links above the threshold, the people they make, and the fitted model."""

    links: list[Link] = field(default_factory=list)
    person_of: dict[str, str] = field(default_factory=dict)  # record -> smallest record id
    model: dict[str, Any] = field(default_factory=dict)
    pairs_compared: int = 0  # pairs the model scored at (or within 1e-6 of) the threshold

    def groups(self) -> list[list[str]]:
        """Records of one person (two or more), each sorted, in order of the first."""
        by: dict[str, list[str]] = {}
        for rec, person in self.person_of.items():
            by.setdefault(person, []).append(rec)
        return sorted((sorted(v) for v in by.values() if len(v) > 1), key=lambda g: g[0])

    def person(self, record: str) -> str:
        return self.person_of.get(record, record)

    def links_of(self, records: list[str]) -> list[Link]:
        mine = set(records)
        return [x for x in self.links if x.left in mine and x.right in mine]


def _bucket(idn: pd.Series) -> pd.Series:
    """Birthplace + birth date + sex of an 18-character number (as duplicate_enrolment)."""
    s = idn.astype(str)
    parity = pd.to_numeric(s.str[16], errors="coerce").fillna(0).astype(int) % 2
    out = s.str[:14] + parity.astype(str)
    return out.where(s.str.len() == 18)


def _name_columns(people: pd.DataFrame) -> pd.DataFrame:
    """The three name forms: keyed in a store (issue #14), computed from raw names else."""
    keyed = ("name_fold_key", "name_pinyin_key", "name_surname_key")
    if all(c in people.columns for c in keyed) and people[list(keyed)].notna().any().any():
        out = people[list(keyed)].copy()
        out.columns = pd.Index(["name_fold", "name_pinyin", "surname"])
        return out
    if "name_fold_key" in people.columns or people["name"].isna().all():
        # a store loaded before the name forms were keyed (or no names at all)
        return pd.DataFrame(
            {"name_fold": None, "name_pinyin": None, "surname": None}, index=people.index
        )
    names = people["name"].astype(object).where(people["name"].notna(), None)
    by_name = {n: name_forms(n) for n in names.drop_duplicates().tolist()}  # names repeat
    forms = [by_name[n] for n in names.tolist()]
    return pd.DataFrame(
        {
            "name_fold": [f.fold or None for f in forms],
            "name_pinyin": [f.pinyin or None for f in forms],
            "surname": [f.surname or None for f in forms],
        },
        index=people.index,
    )


def _listed(ids: pd.DataFrame, kind: str, max_holders: int) -> dict[str, list[str]]:
    """participant -> sorted list of the ``kind`` values they list (hub values left out)."""
    mine = ids[ids["kind"] == kind][["participant_id", "value"]].drop_duplicates()
    holders = mine.groupby("value")["participant_id"].transform("size")
    mine = mine[holders <= max_holders].sort_values(["participant_id", "value"])
    out: dict[str, list[str]] = {}
    for pid, value in zip(mine["participant_id"].tolist(), mine["value"].tolist(), strict=True):
        out.setdefault(str(pid), []).append(str(value))
    return out


def features(data: GraphData, max_holders: int) -> pd.DataFrame:
    """One row per participant record: the values linkage compares (None = missing).

    >>> import pandas as pd
    >>> people = pd.DataFrame({"participant_id": ["A", "B"], "name": ["王 伟", "王偉"],
    ...     "id_number": ["460100198001011234", None], "gender": "M",
    ...     "birth_date": ["1980-01-01", "1980-01-10"]})
    >>> ids = pd.DataFrame({"participant_id": ["A", "B"], "kind": "phone", "value": "138"})
    >>> f = features(GraphData.create(participants=people, identifiers=ids), 8)
    >>> f["name_fold"].tolist(), f["birth_date"].tolist()
    (['王伟', '王伟'], ['1980-01-01', '1980-01-10'])
    >>> f["id_bucket"].tolist(), f["phones"].tolist()
    (['460100198001011', None], [['138'], ['138']])
    """
    people = data.participants.drop_duplicates("participant_id").reset_index(drop=True)
    out = pd.DataFrame({"participant_id": people["participant_id"].astype(str)})
    out = pd.concat([out, _name_columns(people).reset_index(drop=True)], axis=1)
    birth = pd.to_datetime(people["birth_date"], errors="coerce")
    ymd = pd.Series(np.datetime_as_string(birth.to_numpy(dtype="datetime64[D]"), unit="D"))
    known = birth.notna().to_numpy()
    out["birth_date"] = ymd.where(known, None)
    swapped = ymd.str[:5] + ymd.str[8:10] + "-" + ymd.str[5:7]
    out["birth_md_swapped"] = swapped.where(known & (birth.dt.day <= 12).to_numpy(), None)
    out["birth_year"] = ymd.str[:4].where(known, None)
    gender = people["gender"] if "gender" in people.columns else pd.Series(None, index=people.index)
    out["gender"] = gender.where(gender.notna(), None)
    idn = people["id_number"]
    out["id_number"] = idn.where(idn.notna(), None)
    bucket = _bucket(idn.fillna(""))
    if "id_bucket" in people.columns:  # a store: the keyed bucket (raw numbers are not there)
        keyed = people["id_bucket"]
        bucket = keyed.where(keyed.notna() & (keyed.astype(str) != ""), bucket)
    keep = bucket.notna() & idn.notna()
    out["id_bucket"] = bucket.astype(object).where(keep, None)
    for kind, col in (("phone", "phones"), ("address", "addresses")):
        got = _listed(data.identifiers, kind, max_holders)
        out[col] = [got.get(p) for p in out["participant_id"]]
    return out.sort_values("participant_id", kind="stable").reset_index(drop=True)


# The comparison vectors' levels (splink numbers them from the last, 0 = else): a link
# needs the name at "pinyin" or better (2: pinyin, 3: folded form; 1 is the surname only)
# and the birth date at "day and month swapped" or better (2: swapped, 3: one digit off,
# 4: exact; 1 is the year only). LinkageConfig.require_own_name_and_birth says why.
NAME_LEVEL_NEEDED = 2
BIRTH_LEVEL_NEEDED = 2


def _comparisons() -> list[Any]:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    name = cl.CustomComparison(
        output_column_name="person_name",
        comparison_levels=[
            cll.NullLevel("name_fold"),
            cll.ExactMatchLevel("name_fold", term_frequency_adjustments=True).configure(
                m_probability=NAME_M[0], fix_m_probability=True
            ),
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True).configure(
                m_probability=NAME_M[1], fix_m_probability=True
            ),
            cll.ExactMatchLevel("surname").configure(
                m_probability=NAME_M[2], fix_m_probability=True
            ),
            cll.ElseLevel().configure(m_probability=NAME_M[3], fix_m_probability=True),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date", term_frequency_adjustments=True).configure(
                m_probability=BIRTH_M[0], fix_m_probability=True
            ),
            cll.DamerauLevenshteinLevel("birth_date", 1).configure(
                m_probability=BIRTH_M[1], fix_m_probability=True
            ),
            cll.CustomLevel(
                "birth_md_swapped_l = birth_date_r OR birth_date_l = birth_md_swapped_r",
                label_for_charts="day and month swapped",
            ).configure(m_probability=BIRTH_M[2], fix_m_probability=True),
            cll.ExactMatchLevel("birth_year").configure(
                m_probability=BIRTH_M[3], fix_m_probability=True
            ),
            cll.ElseLevel().configure(m_probability=BIRTH_M[4], fix_m_probability=True),
        ],
    )
    idn = cl.CustomComparison(
        output_column_name="id_number",
        comparison_levels=[
            cll.NullLevel("id_number"),
            cll.ExactMatchLevel("id_number"),
            cll.ElseLevel(),
        ],
    )
    return [
        name,
        birth,
        cl.CustomComparison(
            output_column_name="gender",
            comparison_levels=[
                cll.NullLevel("gender"),
                cll.ExactMatchLevel("gender").configure(
                    m_probability=GENDER_M, fix_m_probability=True
                ),
                cll.ElseLevel().configure(m_probability=1 - GENDER_M, fix_m_probability=True),
            ],
        ),
        idn,
        cl.ArrayIntersectAtSizes("phones", [1]),
        cl.ArrayIntersectAtSizes("addresses", [1]),
    ]


def _blocking() -> list[Any]:
    """Candidate pairs: records that share one thing real duplicates keep."""
    from splink import block_on

    return [
        block_on("id_number"),
        block_on("id_bucket"),
        block_on("birth_date", "surname"),
        block_on("name_pinyin"),
        block_on("phones", arrays_to_explode=["phones"]),
        block_on("addresses", arrays_to_explode=["addresses"]),
    ]


def _levels(row: pd.Series) -> dict[str, str]:
    out = {}
    for comp, labels in LEVELS.items():
        gamma = int(row[f"gamma_{comp}"])
        if gamma >= 0:
            out[comp] = labels[len(labels) - 1 - gamma]
    return out


class _NothingToLink(Exception):
    """No record pair can be a match under the data's own prior (λ = 0)."""


def _fit(make: Any, linker: Any, cfg: LinkageConfig) -> tuple[Any, list[dict[str, Any]]]:
    """λ from deterministic rules, u by seeded sampling, m by EM on two blockings.

    A session that fails (a small province: a level no pair of the session shows ends
    with m = 0, which splink refuses) is undone by rebuilding the linker from the model
    as it stood before it; the other session's estimates stand. A session with no pair
    at all (hand-built test data: nobody shares a birth date) is one that fails too.
    No pair agreeing on an ID number or on name and birth date makes λ 0: every pair's
    match probability is then 0 and nothing is linked (:class:`_NothingToLink`).
    """
    from splink import block_on
    from splink.internals.exceptions import SplinkException

    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number"), block_on("name_fold", "birth_date")], recall=0.8
    )
    prior = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    if prior <= 0.0:
        raise _NothingToLink(prior)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=float(cfg.u_sample_pairs), seed=int(cfg.seed)
    )
    sessions = []
    for name, rule in (("birth_date", block_on("birth_date")), ("name", block_on("name_pinyin"))):
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, fix_u_probabilities=True
            )
            sessions.append({"blocked_on": name, "trained": True})
        except (ValueError, SplinkException) as exc:
            log.warning("linkage: EM session blocked on %s not used: %s", name, exc)
            sessions.append({"blocked_on": name, "trained": False, "why": str(exc)[:120]})
            linker = make(before)
    return linker, sessions


def _model(linker: Any) -> dict[str, Any]:
    """λ and each level's m and u, rounded (what params_json and the docs show)."""
    settings = linker.misc.save_model_to_json()
    out: dict[str, Any] = {
        "probability_two_random_records_match": round(
            float(settings["probability_two_random_records_match"]), 9
        )
    }
    for comp in settings["comparisons"]:
        levels = []
        for lvl in comp["comparison_levels"]:
            if lvl.get("is_null_level"):
                continue
            levels.append(
                {
                    "level": lvl.get("label_for_charts", ""),
                    "m": round(float(lvl.get("m_probability", 0.0) or 0.0), 6),
                    "u": round(float(lvl.get("u_probability", 0.0) or 0.0), 9),
                }
            )
        out[comp["output_column_name"]] = levels
    return out


_CACHE_DIRS: dict[int, tuple[weakref.ref[GraphData], Path]] = {}
_CACHE_LOCK = threading.Lock()


def keep_links_in(data: GraphData, directory: Path | None) -> None:
    """Let :func:`linkage_for` keep ``data``'s links in ``directory`` between runs
    (:mod:`graphsvc.detection.linkage_cache`); the store-path runner passes
    ``settings.data_dir / "cache" / "linkage"``. Lazy: nothing is fitted until a
    detector asks, so a run of detectors that do not read links pays nothing."""
    if directory is None:
        return
    key = id(data)
    with _CACHE_LOCK:
        _CACHE_DIRS[key] = (weakref.ref(data), Path(directory))
        weakref.finalize(data, _CACHE_DIRS.pop, key, None)


def _cache_dir(data: GraphData) -> Path | None:
    with _CACHE_LOCK:
        hit = _CACHE_DIRS.get(id(data))
    return hit[1] if hit is not None and hit[0]() is data else None


def linkage_for(data: GraphData, cfg: LinkageConfig) -> Linkage:
    """:func:`link_records`, once per GraphData and config (``GraphData.derived``):
    duplicate_enrolment and the household rule of shared_identity and organised_visits
    read the same links. With a directory (:func:`keep_links_in`), once per content of
    its inputs too."""

    def build(d: GraphData) -> Linkage:
        directory = _cache_dir(d)
        return _link_cached(d, cfg, directory) if directory else link_records(d, cfg)

    return data.derived(("linkage", cfg.model_dump_json()), build)


def _link_cached(data: GraphData, cfg: LinkageConfig, directory: Path) -> Linkage:
    """:func:`link_records` through the on-disk cache of ``directory``."""
    if not cfg.enabled:
        return link_records(data, cfg)
    digest = linkage_cache.input_digest(data, cfg, [NAME_M, GENDER_M, BIRTH_M, LEVELS])
    doc = linkage_cache.read(directory, digest)
    if doc is not None:
        try:
            return from_doc(doc)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("linkage cache %s: %r; recomputed", directory, exc)
            linkage_cache.count("corrupt")
    got = link_records(data, cfg)
    linkage_cache.write(directory, digest, to_doc(got))
    return got


def to_doc(linkage: Linkage) -> dict[str, Any]:
    """A Linkage as JSON values (:func:`from_doc` reads it back equal)."""
    return {
        "links": [
            [x.left, x.right, x.match_probability, x.match_weight, x.levels] for x in linkage.links
        ],
        "person_of": dict(sorted(linkage.person_of.items())),
        "model": linkage.model,
        "pairs_compared": linkage.pairs_compared,
    }


def from_doc(doc: dict[str, Any]) -> Linkage:
    """The Linkage of :func:`to_doc`; a malformed document raises (KeyError, TypeError,
    ValueError), which the cache treats as a corrupt file."""
    links = []
    for left, right, p, w, levels in doc["links"]:
        if not isinstance(levels, dict) or any(
            k not in LEVELS or v not in LEVELS[k] for k, v in levels.items()
        ):
            raise ValueError(f"unknown comparison levels {levels!r}")
        links.append(Link(str(left), str(right), float(p), float(w), dict(levels)))
    person_of = doc["person_of"]
    if not isinstance(person_of, dict):
        raise TypeError("person_of is not a mapping")
    model = doc["model"]
    if not isinstance(model, dict):
        raise TypeError("model is not a mapping")
    return Linkage(
        links=links,
        person_of={str(k): str(v) for k, v in person_of.items()},
        model=model,
        pairs_compared=int(doc["pairs_compared"]),
    )


def link_records(data: GraphData, cfg: LinkageConfig | None = None) -> Linkage:
    """Fit the model on ``data``'s participants and link the pairs above the threshold."""
    cfg = cfg or LinkageConfig()
    if not cfg.enabled or len(data.participants) < 2:
        return Linkage(person_of={})
    feats = features(data, cfg.max_holders)
    if feats["name_fold"].isna().all():
        # the given name is what tells a person from their twin (NAME_M): without names
        # every household of twins would be linked, so nothing is
        log.warning(
            "linkage: no names to compare (a store loaded before issue #15 keyed them: "
            "reload, or `graphsvc store migrate-pii` once it fills them); no records linked"
        )
        return Linkage(person_of={})
    import duckdb
    from splink import Linker, SettingsCreator
    from splink.backends.duckdb import DuckDBAPI

    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="participant_id",
        comparisons=_comparisons(),
        blocking_rules_to_generate_predictions=_blocking(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,
        max_iterations=int(cfg.em_max_iterations),
        em_convergence=0.0001,
    )
    con = duckdb.connect(":memory:")
    try:
        table = DuckDBAPI(connection=con).register(feats)

        def make(model: Any) -> Any:
            return Linker(table, model, log_level=logging.ERROR)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # splink's advice to tune EM, not our input
            try:
                linker, sessions = _fit(make, make(settings), cfg)
            except _NothingToLink:
                log.warning(
                    "linkage: no two of %d records agree on an ID number or on name and "
                    "birth date (prior match probability 0): no records linked",
                    len(feats),
                )
                return Linkage(person_of={}, model={"probability_two_random_records_match": 0.0})
            # only pairs near the threshold come back (a 200k province has >1M candidates)
            floor = max(0.0, cfg.match_threshold - 10.0**-_PROB_DIGITS)
            pred = linker.inference.predict(
                threshold_match_probability=floor, warning_mode="never"
            ).as_pandas_dataframe()
        model = _model(linker) | {"em_sessions": sessions}
    finally:
        con.close()
    return _result(feats, pred, cfg, model)


def _result(
    feats: pd.DataFrame, pred: pd.DataFrame, cfg: LinkageConfig, model: dict[str, Any]
) -> Linkage:
    compared = len(pred)
    if compared:
        pred = pred.assign(
            match_probability=pred["match_probability"].astype(float).round(_PROB_DIGITS)
        )
        pred = pred[pred["match_probability"] >= cfg.match_threshold]
        if cfg.require_own_name_and_birth and len(pred):
            pred = pred[
                (pred["gamma_person_name"].astype(int) >= NAME_LEVEL_NEEDED)
                & (pred["gamma_birth_date"].astype(int) >= BIRTH_LEVEL_NEEDED)
            ]
    pred = pred.sort_values(["participant_id_l", "participant_id_r"], kind="stable")
    links = [
        Link(
            str(r["participant_id_l"]),
            str(r["participant_id_r"]),
            float(r["match_probability"]),
            round(float(r["match_weight"]), 3),
            _levels(r),
        )
        for _, r in pred.iterrows()
    ]
    person_of: dict[str, str] = {}
    if links:
        import networkx as nx

        g = nx.Graph()
        g.add_edges_from((x.left, x.right) for x in links)
        for comp in nx.connected_components(g):
            first = min(comp)
            for rec in comp:
                person_of[rec] = first
    log.info(
        "linkage: %d records, %d pairs near the threshold, %d links at p >= %s, %d people of "
        "several records",
        len(feats),
        compared,
        len(links),
        cfg.match_threshold,
        len({v for v in person_of.values()}),
    )
    return Linkage(links=links, person_of=person_of, model=model, pairs_compared=compared)
