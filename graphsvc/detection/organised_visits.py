"""Organised visits: groups brought to the same doctor on the same days (组织虚假就医).

Clause: Hainan Art. 23(7) (inducing or helping fake visits) and Art. 24(5).

Method, and why (docs/detection.md has the long form):

* A *session* is one provider (doctor, or institution when no doctor) on one day;
  pharmacy purchases are not sessions (they follow visits). Its *schedule slot* is the
  provider's weekday: a nursing-home round or a chronic cohort's clinic day comes back
  on the same weekday month after month; outings on chosen days do not.
* *Gatherings* (:func:`gatherings`): two sessions of a provider on different weekdays
  that share far more patients than drawing them from the provider's catchment would
  give. A busy clinic's market days share a few regulars by chance.
* *Groups*: connected gatherings; split by seeded Leiden (modularity) on the session
  graph when they are not one dense clique of outings; the group is who came to two
  or more of its sessions.
* *Group test* (:func:`group_surprise`): given everybody else's use of the provider,
  how unlikely is it that so many of the group turned up in each joint session
  (Poisson), counted once per weekday and only for sessions beyond a Bonferroni over
  the provider's days. Equally spaced meetings (a treatment cycle) are explained.
  Tests = pairs of sessions examined.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    PYTHON_CLUSTERING,
    Clustering,
    Explainer,
    RowIndex,
    UnionFind,
    explainer_of,
    fmt_p,
    period,
    region_of_participants,
    rows_by,
)
from graphsvc.detection.config import DetectConfig, OrganisedVisitsConfig
from graphsvc.detection.data import GraphData
from graphsvc.detection.finding import money_at_risk
from graphsvc.detection.rings import (
    Evidence,
    Member,
    Reasons,
    Ring,
    log10_binom_sf,
    log10_poisson_sf,
    sort_members,
    weak,
)
from graphsvc.locale.msg import Join, Msg

log = logging.getLogger(__name__)

TYPOLOGY = "organised_visits"


def sessions_of(data: GraphData, *, by_institution: bool = False) -> pd.DataFrame:
    """One row per (participant, provider, day) of a visit, with the session's load.

    ``slot`` is the provider's schedule slot of the day (its weekday): a clinic's
    chronic-disease day or a nursing-home round comes back on the same weekday.
    ``by_institution``: the provider is the institution whoever the doctor was (a group
    seen by another doctor on each trip, issue #11); ``doctor_id`` keeps who saw them.
    """
    rx = data.prescriptions
    rx = rx[(rx["visit_type"] != "pharmacy") & rx["date"].notna() & rx["participant_id"].notna()]
    inst = "I:" + rx["institution_id"].astype(str)
    prov = inst if by_institution else rx["doctor_id"].where(rx["doctor_id"].notna(), inst)
    v = pd.DataFrame(
        {
            "participant_id": rx["participant_id"].astype(str),
            "provider": prov.astype(str),
            "institution_id": rx["institution_id"].astype(str),
            "doctor_id": rx["doctor_id"].where(rx["doctor_id"].notna(), None),
            "day": rx["date"],
            "diagnosis": rx["diagnosis_code"].where(rx["diagnosis_code"].notna(), None),
        }
    ).drop_duplicates(["participant_id", "provider", "day"])
    v["session"] = v["provider"] + "|" + v["day"].dt.strftime("%Y-%m-%d")
    v["slot"] = v["provider"] + "|" + v["day"].dt.day_of_week.astype(str)
    v["load"] = v.groupby("session")["participant_id"].transform("size")
    return v.sort_values(["session", "participant_id"], kind="stable").reset_index(drop=True)


def covisit_pairs(visits: pd.DataFrame, max_session_size: int) -> pd.DataFrame:
    """Co-visits of every pair (a < b) over sessions of at most the given size.

    ``c`` counts sessions shared, ``c_slots`` the distinct schedule slots among them.
    """
    v = visits[(visits["load"] >= 2) & (visits["load"] <= max_session_size)]
    if v.empty:
        return pd.DataFrame({"a": [], "b": [], "c": [], "c_slots": []})
    people = np.array(sorted(v["participant_id"].unique()))
    code = np.searchsorted(people, v["participant_id"].to_numpy())
    slots, slot_code = np.unique(v["slot"].to_numpy(), return_inverse=True)
    n_slots = np.int64(len(slots))
    _, sess_start = np.unique(v["session"].to_numpy(), return_index=True)
    order = np.argsort(sess_start)
    starts = sess_start[order]
    sizes = np.diff(np.append(starts, len(v)))
    keys: list[np.ndarray] = []
    n_people = np.int64(len(people))
    for size in np.unique(sizes):
        sel = starts[sizes == size]
        block = code[sel[:, None] + np.arange(size)[None, :]]  # (sessions, size), sorted ids
        iu, ju = np.triu_indices(int(size), k=1)
        a = block[:, iu].ravel().astype(np.int64)
        b = block[:, ju].ravel().astype(np.int64)
        sl = np.repeat(slot_code[sel].astype(np.int64), len(iu))
        keys.append((a * n_people + b) * n_slots + sl)
    allk = np.concatenate(keys)
    pair_slot, counts = np.unique(allk, return_counts=True)
    pair_of = pair_slot // n_slots
    uniq, first, n_slot_pairs = np.unique(pair_of, return_index=True, return_counts=True)
    c = np.add.reduceat(counts, first)
    return pd.DataFrame(
        {
            "a": people[uniq // n_people],
            "b": people[uniq % n_people],
            "c": c,
            "c_slots": n_slot_pairs,
        }
    )


def _pairs_within(groups: np.ndarray, items: np.ndarray, n_items: int) -> np.ndarray:
    """Encoded pairs ``a * n_items + b`` (a < b) of items sharing a group.

    ``groups`` must be sorted; items inside a group ascending.
    """
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    _, starts = np.unique(groups, return_index=True)
    sizes = np.diff(np.append(starts, len(groups)))
    keys: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    for size in np.unique(sizes):
        if size < 2:
            continue
        sel = starts[sizes == size]
        block = items[sel[:, None] + np.arange(size)[None, :]]
        iu, ju = np.triu_indices(int(size), k=1)
        keys.append(block[:, iu].ravel().astype(np.int64) * n_items + block[:, ju].ravel())
    return np.concatenate(keys)


def catchment(data: GraphData, visits: pd.DataFrame) -> pd.Series:
    """People a provider could draw on: its patients, or its region's insured if more."""
    pool = visits.groupby("provider")["participant_id"].nunique()
    region_of_inst = data.institutions.drop_duplicates("institution_id").set_index(
        "institution_id"
    )["region_code"]
    people = data.participants["region_code"].value_counts()
    home = visits.groupby("provider")["institution_id"].first().map(region_of_inst)
    region_pool = home.map(people).fillna(0).astype(float)
    return np.maximum(pool.astype(float), region_pool.reindex(pool.index).fillna(0.0))


def gatherings(
    visits: pd.DataFrame,
    config: DetectConfig,
    pool: pd.Series | None = None,
    max_size: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """Pairs of a provider's sessions attended by the same people, beyond chance.

    Two sessions ``s`` and ``t`` of provider ``d`` on different schedule slots share
    ``o`` patients. If the ``n_s`` and ``n_t`` patients were drawn from the ``N_d``
    people the provider could draw on (its patients, or the insured of its region if
    more: a doctor whose practice *is* a recruited group must not explain it away),
    ``o`` would be about Binomial(min(n), max(n)/N_d): a busy clinic's market days
    share a few regulars, two outings of one recruited group share most of it.
    Two sessions on the same weekday pair only when closer than
    ``followup_min_gap_days``: a clinic day or a monthly round repeats its weekday with
    the same patients by design, a coach every week is faster than any follow-up.
    Returns significant session pairs (Bonferroni over the provider's session pairs)
    and the number of session pairs examined.
    """
    cfg = config.organised_visits
    if pool is None:
        pool = visits.groupby("provider")["participant_id"].nunique()
    top = cfg.max_session_size if max_size is None else max_size
    v = visits[(visits["load"] >= cfg.min_members) & (visits["load"] <= top)]
    v = v.assign(person=v["provider"] + "|" + v["participant_id"])
    v = v.sort_values(["person", "session"], kind="stable")
    sess = v.drop_duplicates("session").set_index("session")[["provider", "slot", "load", "day"]]
    sess = sess.sort_index()
    names = sess.index.to_numpy()
    code = np.searchsorted(names, v["session"].to_numpy())
    person = v["person"].to_numpy()
    keys = _pairs_within(person, code, len(names))
    per_provider = sess.groupby("provider").size()
    tests = int((per_provider * (per_provider - 1) // 2).sum())
    if len(keys) == 0:
        return pd.DataFrame(columns=["s", "t", "o", "surprise"]), max(tests, 1)
    uniq, overlap = np.unique(keys, return_counts=True)
    keep = overlap >= cfg.min_overlap
    s_idx, t_idx = uniq[keep] // len(names), uniq[keep] % len(names)
    out = pd.DataFrame({"s": names[s_idx], "t": names[t_idx], "o": overlap[keep]})
    apart = np.abs(
        (sess.loc[out["s"], "day"].to_numpy() - sess.loc[out["t"], "day"].to_numpy())
        .astype("timedelta64[D]")
        .astype(int)
    )
    same_slot = sess.loc[out["s"], "slot"].to_numpy() == sess.loc[out["t"], "slot"].to_numpy()
    out = out[~same_slot | (apart < cfg.followup_min_gap_days)]
    if out.empty:
        return out.assign(surprise=[]), max(tests, 1)
    ns = sess.loc[out["s"], "load"].to_numpy()
    nt = sess.loc[out["t"], "load"].to_numpy()
    prov = sess.loc[out["s"], "provider"].to_numpy()
    big_n = pool.loc[prov].to_numpy(dtype=float)
    m = per_provider.loc[prov].to_numpy(dtype=float)
    need = np.log10(np.maximum(m * (m - 1) / 2, 1.0)) + cfg.min_pair_surprise
    trials = np.minimum(ns, nt).astype(float)
    p = np.minimum(1.0, np.maximum(ns, nt) / big_n)
    # The exact tail only where the Chernoff bound (an upper bound on it) leaves the pair
    # a chance to pass: the same pairs as computing every tail, at a fraction of the cost
    # where institution-days pair by the hundred thousand.
    could = _chernoff_log10(out["o"].to_numpy(dtype=float), trials, p) <= -need
    surprise = np.zeros(len(out))
    surprise[could] = [
        -log10_binom_sf(int(o), int(n), float(q))
        for o, n, q in zip(out["o"].to_numpy()[could], trials[could], p[could], strict=True)
    ]
    out["surprise"] = surprise
    return out[out["surprise"] >= need].reset_index(drop=True), max(tests, 1)


def _chernoff_log10(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """An upper bound on log10 P(Binomial(n, p) >= k): ``-n KL(k/n || p) / ln 10`` past
    the mean, 0 at or below it.

    >>> b = _chernoff_log10(np.array([9.0, 1.0]), np.array([10.0, 10.0]), np.array([0.1, 0.1]))
    >>> bool(b[0] >= log10_binom_sf(9, 10, 0.1)), float(b[1])
    (True, 0.0)
    """
    a = np.clip(k / np.maximum(n, 1.0), 0.0, 1.0)
    q = np.clip(p, 1e-12, 1 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(a > 0, a * np.log(a / q), 0.0) + np.where(
            a < 1, (1 - a) * np.log((1 - a) / (1 - q)), 0.0
        )
    return np.where(a > q, -n * kl / np.log(10), 0.0)


def group_surprise(
    visits: pd.DataFrame,
    provider_stats: pd.DataFrame,
    group: set[str],
    min_present: int,
    min_session_surprise: float = 2.0,
    followup_gap_days: int = 0,
    rows: pd.DataFrame | None = None,
) -> tuple[float, pd.DataFrame]:
    """Surprise of a group turning up together, with the sessions that make it.

    ``rows``: the group's rows of ``visits`` when the caller has them (see
    :class:`_Index`), so the whole table is not scanned per group.

    Null: each member's visits to a provider fall on its working days in proportion to
    the load *of everybody else* (the group's own turnout must not explain itself). In
    session ``s`` member ``i`` is present with probability ``min(1, k_i * w_s)`` and the
    number present is about Poisson with mean ``lambda_s``, the sum over members. Each
    session where at least ``min_present`` members came adds ``-log10 P(Poisson(
    lambda_s) >= x_s)``; one session per schedule slot counts, so a monthly round in the
    same slot adds once, unless the slot's sessions recur faster than follow-up care
    (``followup_gap_days``, see :func:`_counted`).
    """
    gv = visits[visits["participant_id"].isin(group)] if rows is None else rows
    # Plain numpy on the group's few rows: pandas' grouping overhead per call was most of
    # this detector's time (it runs once per candidate group).
    codes, names = pd.factorize(gv["session"].to_numpy())
    count = np.bincount(codes, minlength=len(names))
    _, first = np.unique(codes, return_index=True)
    keep = count >= min_present
    if not keep.any():
        return 0.0, pd.DataFrame(columns=["session", "provider", "slot", "x", "lam", "surprise"])
    prov_all = gv["provider"].to_numpy(dtype=object)
    sess_prov = prov_all[first][keep]
    x_s = count[keep]
    load = gv["load"].to_numpy()[first][keep]
    # k_i: each member's visits at each provider (in participant order, as the sums below
    # have always added them); own: the group's visits there.
    pv_code, pv_names = pd.factorize(prov_all)
    pid_code, pid_names = pd.factorize(gv["participant_id"].to_numpy(dtype=object), sort=True)
    pair, k = np.unique(pv_code.astype(np.int64) * len(pid_names) + pid_code, return_counts=True)
    bounds = np.searchsorted(pair // len(pid_names), np.arange(len(pv_names) + 1))
    k_at = [k[bounds[c] : bounds[c + 1]].astype(float) for c in range(len(pv_names))]
    sess_pv = pv_code[first][keep]
    at = provider_stats.index.get_indexer(pd.Index(sess_prov, dtype=object))
    if (at < 0).any():
        raise KeyError(f"providers without stats: {sorted(set(sess_prov[at < 0]))[:5]}")
    visits_of = provider_stats["visits"].to_numpy(dtype=float)[at]
    days_of = provider_stats["days"].to_numpy(dtype=float)[at]
    own = np.array([float(k_at[c].sum()) for c in sess_pv])
    others = visits_of - own
    w = (load - x_s + 1) / (others + days_of)
    lam = np.array(
        [float(np.minimum(1.0, k_at[c] * ws).sum()) for c, ws in zip(sess_pv, w, strict=True)]
    )
    surprise = np.array(
        [-log10_poisson_sf(int(xs), float(la)) for xs, la in zip(x_s, lam, strict=True)],
        dtype=float,
    )
    # A session counts when its turnout would be unlikely on any of the provider's
    # working days (Bonferroni over its days): regulars of a busy clinic meeting on a
    # market day do not count, a coach party does.
    ok = surprise >= np.log10(days_of) + min_session_surprise
    sess = np.asarray(names, dtype=object)[keep][ok]
    slot = gv["slot"].to_numpy(dtype=object)[first][keep][ok]
    day = gv["day"].to_numpy(dtype="datetime64[D]")[first][keep][ok]
    pos = _counted_positions(slot, sess, day, surprise[ok], followup_gap_days)
    best = pd.DataFrame(
        {
            "session": sess[pos],
            "provider": sess_prov[ok][pos],
            "slot": slot[pos],
            "x": x_s[ok][pos].astype(int),
            "lam": lam[ok][pos],
            "surprise": surprise[ok][pos],
        }
    )
    total = float(best["surprise"].sum())
    by_session = np.argsort(sess[pos], kind="stable")
    return total, best.iloc[by_session].reset_index(drop=True)


def _counted_positions(
    slot: np.ndarray, session: np.ndarray, day: np.ndarray, surprise: np.ndarray, gap_days: int
) -> np.ndarray:
    """Positions of the sessions :func:`_counted` keeps, in its order: the recurring
    sessions by (slot, session), then each other slot's best one by slot.

    Plain numpy on a group's few sessions: sorting and filtering a small frame per
    candidate group was most of this detector's time at scale.
    """
    if len(slot) == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((session, slot))
    sl = slot[order]
    dd = day[order].astype("datetime64[D]")
    same = sl[1:] == sl[:-1]
    gaps = (dd[1:] - dd[:-1]).astype("timedelta64[D]").astype(int)
    close = same & (gaps < gap_days)
    recurring = np.zeros(len(order), dtype=bool)
    recurring[1:] |= close
    recurring[:-1] |= close
    fast = order[recurring]
    fast_slots = set(slot[fast])
    rest = order[~recurring & np.array([s not in fast_slots for s in sl], dtype=bool)]
    rest = rest[np.lexsort((session[rest], -surprise[rest], slot[rest]))]
    rs = slot[rest]
    head = np.ones(len(rest), dtype=bool)
    head[1:] = rs[1:] != rs[:-1]
    return np.concatenate([fast, rest[head]]).astype(np.int64)


def _counted(sessions: pd.DataFrame, gap_days: int) -> pd.DataFrame:
    """The joint sessions that count: per schedule slot, every session that recurs within
    ``gap_days`` of another in the slot, else the slot's best one.

    A clinic day or a monthly round brings the same patients back on the same weekday by
    design, so it adds once; a coach on the same weekday every week or fortnight recurs
    faster than any follow-up, and each of its trips is evidence.

    >>> s = pd.DataFrame({"session": ["D|2024-01-02", "D|2024-01-09", "D|2024-01-16",
    ...                               "D|2024-03-05", "D|2024-04-02"],
    ...                   "slot": ["D|1"] * 5, "surprise": [3.0, 4.0, 5.0, 9.0, 2.0]})
    >>> list(_counted(s, 21)["session"])
    ['D|2024-01-02', 'D|2024-01-09', 'D|2024-01-16']
    >>> list(_counted(s, 0)["session"])
    ['D|2024-03-05']
    """
    if "day" in sessions:
        day = sessions["day"].to_numpy(dtype="datetime64[D]")
    else:
        day = pd.to_datetime(sessions["session"].str.rsplit("|", n=1).str[-1]).to_numpy()
    pos = _counted_positions(
        sessions["slot"].to_numpy(dtype=object),
        sessions["session"].to_numpy(dtype=object),
        day,
        sessions["surprise"].to_numpy(dtype=float),
        gap_days,
    )
    return sessions.iloc[pos]


def _regular(gaps: np.ndarray, tolerance_days: int) -> bool:
    """Gaps of a fixed interval of a week or more, allowing skipped or postponed cycles:
    each gap is within the tolerance of a multiple of the shortest, and at least half
    are the shortest."""
    base = int(gaps.min())
    if base < 7:
        return False
    off = np.abs(gaps - np.round(gaps / base) * base)
    return bool(off.max() <= tolerance_days and (gaps - base <= tolerance_days).mean() >= 0.5)


def _on_schedule(sessions: pd.Series, tolerance_days: int) -> bool:
    """Whether joint sessions (four or more) keep a timetable: one fixed interval of a
    week or more, or a weekly timetable of up to three weekdays (a dialysis shift on
    Mon/Wed/Fri), each weekday recurring at a fixed interval.

    >>> _on_schedule(pd.Series(["D|2024-01-05", "D|2024-02-04", "D|2024-03-05",
    ...                         "D|2024-04-04"]), 3)
    True
    >>> _on_schedule(pd.Series(["D|2024-01-05", "D|2024-02-20", "D|2024-03-05",
    ...                         "D|2024-06-04"]), 3)
    False
    >>> mwf = pd.Series([f"D|{d.date()}" for d in pd.date_range("2024-01-01", periods=30)
    ...                  if d.day_of_week in (0, 2, 4)])
    >>> _on_schedule(mwf, 3)
    True
    """
    days = np.unique(pd.to_datetime(sessions.str.rsplit("|", n=1).str[-1]).to_numpy())
    if len(days) < 4:
        return False
    gaps = np.diff(days).astype("timedelta64[D]").astype(int)
    if _regular(gaps, tolerance_days):
        return True
    weekdays = pd.DatetimeIndex(days).day_of_week.to_numpy()
    kinds = np.unique(weekdays)
    if len(kinds) > 3:
        return False
    for k in kinds:
        sub = days[weekdays == k]
        if len(sub) >= 2 and not _regular(
            np.diff(sub).astype("timedelta64[D]").astype(int), tolerance_days
        ):
            return False
    return True


def _treatment(diagnoses: pd.Series, prefixes: tuple[str, ...]) -> bool:
    """Whether most visits carry a treatment diagnosis (ICD-10 prefixes of the config).

    Where diagnoses are missing for most visits, cadence is all the data has, and a
    fixed interval is taken as a cycle (the behaviour before issue #11).

    >>> _treatment(pd.Series(["Z51.1", "C34.9", "Z51.1"]), ("C", "Z51"))
    True
    >>> _treatment(pd.Series(["M54.5", "M54.5", "Z51.1"]), ("C", "Z51"))
    False
    >>> _treatment(pd.Series([None, None, "M54.5"]), ("C", "Z51"))
    True
    """
    known = diagnoses.dropna().astype(str).str.strip()
    known = known[known != ""]
    if len(known) * 2 < len(diagnoses) or diagnoses.empty:
        return True
    hit = known.str.upper().str.startswith(tuple(p.upper() for p in prefixes))
    return bool(hit.mean() > 0.5)


def provider_stats_of(visits: pd.DataFrame) -> pd.DataFrame:
    """Visits and working days of each provider."""
    return visits.groupby("provider").agg(
        visits=("participant_id", "size"), days=("day", "nunique")
    )


def detect(
    data: GraphData, config: DetectConfig, *, clustering: Clustering | None = None
) -> list[Ring]:
    """Communities of participants who keep coming to the same providers together.

    >>> import pandas as pd
    >>> days = pd.date_range("2024-03-01", periods=90)
    >>> rows = []
    >>> for day in days[:6]:      # ring of 5 visits doctor D1 together 6 times
    ...     rows += [(f"R{i}", "D1", day) for i in range(5)]
    >>> for n, day in enumerate(days):  # the doctor's ordinary patients, new ones each day
    ...     rows += [(f"N{n}-{i}", "D1", day) for i in range(8)]
    >>> rx = pd.DataFrame(rows, columns=["participant_id", "doctor_id", "date"])
    >>> rx["prescription_id"] = [f"X{i}" for i in range(len(rx))]
    >>> rx["institution_id"], rx["visit_type"], rx["fund_paid"] = "H1", "outpatient", 100.0
    >>> g = GraphData.create(prescriptions=rx)
    >>> [(r.member_count, r.members[0].role) for r in detect(g, DetectConfig())]
    [(7, 'hub doctor')]
    """
    algos = clustering or PYTHON_CLUSTERING
    cfg = config.organised_visits
    visits = sessions_of(data)
    pool = catchment(data, visits)
    # The same households as shared_identity's (its settings, one build shared), with
    # records linked as one person one unit (issue #15).
    explainer = explainer_of(data, config.shared_identity, config.linkage)
    rings = _level_rings(data, config, visits, pool, cfg.max_session_size, algos, explainer)
    # Second pass (issue #11): the institution is the provider whoever the doctor was,
    # so a group seen by another doctor on each trip is found. It reports only groups
    # whose members changed doctors between trips (patients of several doctors whose
    # clinic days fall together each keep their own doctor). A group the first pass
    # found is not reported twice; pieces of it the first pass found at single doctors
    # give way to the whole.
    by_inst = sessions_of(data, by_institution=True)
    whole = _level_rings(
        data, config, by_inst, catchment(data, by_inst), cfg.max_institution_session_size,
        algos, explainer, rotation=True,
    )  # fmt: skip

    def people(ring: Ring) -> set[str]:
        return {m.id for m in ring.members if m.kind == "participant"}

    for ring in whole:
        mine = people(ring)
        if any(2 * len(mine & people(r)) >= len(mine) for r in rings):
            continue
        rings = [r for r in rings if 2 * len(people(r) & mine) < len(people(r))]
        rings.append(ring)
    return rings


def _stays_of(data: GraphData) -> pd.DataFrame:
    """The inpatient settlements (participant, admission, discharge), once per pass
    (the aftercare test asks for each candidate group)."""
    rx = data.prescriptions
    st = rx[rx["visit_type"] == "inpatient"]
    return st[["participant_id", "date", "discharge_date"]].assign(
        participant_id=st["participant_id"].astype(str)
    )


def _after_discharge(
    stays: pd.DataFrame, group: list[str], first_day: pd.Series, cfg: OrganisedVisitsConfig
) -> bool:
    """Whether the group's course is aftercare: most members came to it from their own
    inpatient stay (discharged within ``after_discharge_days`` before their first
    session), admitted on their own days, not as a group.

    A post-stroke rehabilitation class is the same people weekly on one weekday, like a
    coach; what makes it care is that each patient was sent by their own stay. A ring
    admitted together (a group admission) does not pass: its stays are one event.
    """
    st = stays[stays["participant_id"].isin(set(group))]
    if st.empty:
        return False
    end = st["discharge_date"].fillna(st["date"])
    start = st["participant_id"].astype(str).map(first_day)
    lead = (start - end).dt.days
    ok = st[(lead >= 0) & (lead <= cfg.after_discharge_days)]
    admitted = ok.drop_duplicates("participant_id")
    from_stay = admitted["participant_id"].nunique()
    if from_stay < cfg.after_discharge_share * len(group):
        return False
    return bool(2 * admitted["date"].nunique() >= from_stay)


class _Index:
    """Rows of the visits table by participant and by session, found without a scan.

    The group loop asks for one group's rows hundreds of times; ``isin`` over the whole
    table each time was most of this detector's time at scale.
    """

    def __init__(self, visits: pd.DataFrame) -> None:
        self.visits = visits
        self._by: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._codes: dict[str, np.ndarray] = {}
        for col in ("participant_id", "session"):
            codes, names = pd.factorize(visits[col], sort=True)
            self._codes[col] = codes.astype(np.int64)
            order = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[order], np.arange(len(names) + 1))
            self._by[col] = (np.asarray(names, dtype=object), order, starts)

    def positions(self, col: str, keys: Iterable[str]) -> np.ndarray:
        names, order, starts = self._by[col]
        wanted = np.asarray(sorted(set(keys)), dtype=object)
        at = np.searchsorted(names, wanted)
        at = at[(at < len(names)) & (names[np.minimum(at, len(names) - 1)] == wanted)]
        if len(at) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.sort(np.concatenate([order[starts[i] : starts[i + 1]] for i in at]))

    def rows(self, col: str, keys: Iterable[str]) -> pd.DataFrame:
        return self.visits.iloc[self.positions(col, keys)]

    def regulars(self, sessions: Iterable[str]) -> list[str]:
        """Who came to two or more of ``sessions``, sorted (integer codes, no frame)."""
        pos = self.positions("session", sessions)
        n_sessions = len(self._by["session"][0])
        seen = np.unique(self._codes["participant_id"][pos] * n_sessions
                         + self._codes["session"][pos])  # fmt: skip
        person, times = np.unique(seen // n_sessions, return_counts=True)
        names = self._by["participant_id"][0]
        return sorted(str(p) for p in names[person[times >= 2]])


def _merge_overlapping(groups: list[list[str]]) -> list[list[str]]:
    """Groups that are mostly the same people merged into one (in order of size).

    A group coming every week is linked only between trips a few weeks apart (same
    weekday pairs farther apart are a clinic day's), so its gathering is a band that the
    split may cut into stretches of consecutive weeks: the same people, one ring.

    >>> _merge_overlapping([["a", "b", "c"], ["b", "c", "d"], ["x", "y"]])
    [['a', 'b', 'c', 'd'], ['x', 'y']]
    """
    merged: list[set[str]] = []
    for g in sorted(groups, key=lambda g: (-len(g), g)):
        mine = set(g)
        for other in merged:
            if 2 * len(mine & other) >= min(len(mine), len(other)):
                other |= mine
                break
        else:
            merged.append(mine)
    return [sorted(m) for m in merged]


def _level_rings(
    data: GraphData,
    config: DetectConfig,
    visits: pd.DataFrame,
    pool: pd.Series,
    max_size: int,
    algos: Clustering,
    explainer: Explainer,
    *,
    rotation: bool = False,
) -> list[Ring]:
    """Rings of one pass: gatherings of sessions, groups, group test, exemptions.

    ``rotation``: the institution pass; a group counts only when most of its members
    were seen by different doctors on different trips.
    """
    cfg = config.organised_visits
    linked, tests = gatherings(visits, config, pool, max_size)
    if linked.empty:
        return []
    # Gatherings -> groups: seeded Leiden (modularity) on the session graph splits a
    # provider's gatherings into the groups that met there (two groups brought to one
    # doctor, bridged by a day both came); the group is the people who came to at least
    # two of its sessions. One group's outings are linked pairwise (a dense clique) and
    # are not split.
    edges = linked.rename(columns={"s": "a", "t": "b"})[["a", "b", "surprise"]]
    pstats = provider_stats_of(visits)
    index = _Index(visits)
    edge_rows = RowIndex(edges, "a")  # each component's edges without a scan of all
    stays = _stays_of(data)

    def regulars_of(part: list[str]) -> list[str]:
        return index.regulars(part)

    def stands_out(people: list[str]) -> bool:
        if len(people) < cfg.min_members:
            return False
        present = max(cfg.min_members, math.ceil(cfg.min_turnout * len(people)))
        s, joint = group_surprise(
            visits, pstats, set(people), present, cfg.min_session_surprise,
            cfg.followup_min_gap_days, index.rows("participant_id", people),
        )  # fmt: skip
        return len(joint) >= cfg.min_joint_sessions and not weak(
            s, tests, config.scoring.min_adjusted_surprise
        )

    groups: list[list[str]] = []
    for sessions in algos.components(zip(linked["s"], linked["t"], strict=True)):
        parts = [sessions]
        n = len(sessions)
        # Split only gatherings that are not one clique of mutually linked outings, and
        # keep the split only when it finds two or more groups that each stand out: one
        # group whose turnout varies (not every pair of its outings linked) must not be
        # cut into pieces too small to test (issue #11).
        sub = edge_rows.rows(sessions) if n >= 4 else edges.iloc[:0]
        if n >= 4 and len(sub) < cfg.split_below_density * n * (n - 1) / 2:
            split = algos.leiden_communities(
                sub, "surprise", seed=cfg.seed, resolution=cfg.leiden_resolution
            )
            if sum(stands_out(regulars_of(p)) for p in split) >= 2:
                parts = split
        for part in parts:
            regulars = regulars_of(part)
            if len(regulars) >= cfg.min_members:
                groups.append(regulars)
    groups = _merge_overlapping(groups)
    rx_rows = rows_by(data, "prescriptions", "participant_id")
    rings: list[Ring] = []
    for community in groups:
        if len(community) < cfg.min_members:
            continue
        # A joint session: a good part of the group turned up, not three regulars of a
        # busy clinic who happened to be there on the same market day.
        present = max(cfg.min_members, math.ceil(cfg.min_turnout * len(community)))
        surprise, joint = group_surprise(
            visits, pstats, set(community), present, cfg.min_session_surprise,
            cfg.followup_min_gap_days, index.rows("participant_id", community),
        )  # fmt: skip
        if len(joint) < cfg.min_joint_sessions:
            continue
        if weak(surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        gv = index.rows("participant_id", community)
        # Every session the group turned up to (not only the one counted per slot).
        turned_up = gv.groupby("session")["participant_id"].transform("size") >= present
        joint_rows = gv[turned_up | gv["session"].isin(set(joint["session"]))]
        if _on_schedule(joint_rows["session"], cfg.schedule_tolerance_days) and _treatment(
            joint_rows["diagnosis"], cfg.treatment_diagnoses
        ):
            # Meetings on a timetable for treatment (chemotherapy, dialysis shifts,
            # rehabilitation) are a shared treatment cycle; regular cadence alone is not
            # care (issue #11).
            continue
        if _after_discharge(
            stays, community, joint_rows.groupby("participant_id")["day"].min(), cfg
        ):
            continue
        # Members: who came to at least two of the group's joint sessions.
        attended = joint_rows.groupby("participant_id")["session"].nunique()
        group = sorted(str(p) for p, n in attended.items() if n >= 2)
        if len(group) < cfg.min_members:
            continue
        # Families and households come together by nature: count independent units.
        units = UnionFind()
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if explainer.explained(a, b):
                    units.union(a, b)
        if len({units.find(p) for p in group}) < cfg.min_members:
            continue
        gset = set(group)
        joint_rows = joint_rows[joint_rows["participant_id"].isin(gset)]
        if rotation:
            doctors_seen = (
                joint_rows.dropna(subset=["doctor_id"])
                .groupby("participant_id")["doctor_id"]
                .nunique()
            )
            if 2 * int((doctors_seen >= 2).sum()) < len(group):
                continue
        providers = joint_rows.groupby("provider")["session"].nunique()
        providers = providers.sort_values(ascending=False, kind="stable")
        hub = str(providers.index[0]) if len(providers) else None
        members: list[Member] = [Member("participant", p, "member") for p in group]
        rota_reason: tuple[str, str] | None = None
        # The provider the group is brought to most is part of the ring.
        n_sessions = joint_rows["session"].nunique()
        if hub is not None and n_sessions >= 2:
            hub_share = providers.iloc[0] / max(1, n_sessions)
            venue = joint_rows.groupby("institution_id")["session"].nunique()
            in_turn = rotation
            if hub_share < 0.5 and len(venue) and venue.max() * 2 >= n_sessions:
                # No one doctor, but one institution: its doctors saw the group in turn.
                hub = "I:" + str(venue.sort_index().idxmax())
                in_turn = True
            if hub_share >= 0.5 or hub.startswith("I:"):
                if hub.startswith("I:"):
                    hub_rows = joint_rows[joint_rows["institution_id"] == hub[2:]]
                else:
                    hub_rows = joint_rows[joint_rows["provider"] == hub]
                inst = hub_rows["institution_id"].value_counts().sort_index()
                inst_id = str(inst.idxmax()) if len(inst) else None
                if not hub.startswith("I:"):
                    members.append(Member("doctor", hub, "hub doctor"))
                else:
                    # Seen by the institution's doctors in turn: those who saw the group
                    # in two or more of its sessions are part of the case.
                    by_doc = hub_rows.dropna(subset=["doctor_id"])
                    rota = by_doc.groupby("doctor_id")["session"].nunique()
                    rotating = sorted(str(d) for d, n in rota.items() if n >= 2)
                    members += [Member("doctor", d, "rotating doctor") for d in rotating]
                    if in_turn and by_doc["doctor_id"].nunique() >= 2:
                        n_docs = int(by_doc["doctor_id"].nunique())
                        per = by_doc.groupby("participant_id")["doctor_id"].nunique()
                        moved = int((per >= 2).sum())
                        rota_reason = Msg(
                            "reason.organised_visits.rotation",
                            doctors=n_docs,
                            moved=moved,
                            members=len(group),
                        ).pair()
                if inst_id is not None:
                    members.append(Member("institution", inst_id, "institution"))
        start, end = period(joint_rows["day"] if len(joint_rows) else gv["day"])
        mine = rx_rows.rows(gset)
        implicated = mine[
            (mine["visit_type"] != "pharmacy") & mine["date"].isin(joint_rows["day"].unique())
        ]
        cash = money_at_risk(implicated)
        per_day = list(joint_rows.groupby("day")["participant_id"].nunique().items())
        turnout = Join(
            [
                Msg("reason.organised_visits.turnout_day", day=d.date().isoformat(), n=int(n))
                for d, n in per_day
            ],
            "sep.list",
        )
        reasons = Reasons()
        reasons.add(
            *Msg(
                "reason.organised_visits.sessions",
                members=len(group),
                sessions=n_sessions,
                counted=len(joint),
                present=present,
                providers=len(providers),
                turnout=turnout,
            ).pair()
        )
        reasons.add(
            *Msg("reason.organised_visits.chance", chance=fmt_p(-surprise), tests=tests).pair()
        )
        if rota_reason is not None:
            reasons.add(*rota_reason)
        reasons.add(*cash.sentence())
        if any(m.role == "hub doctor" for m in members):
            reasons.insert(
                1,
                *Msg(
                    "reason.organised_visits.hub", doctor=str(hub), sessions=int(providers.iloc[0])
                ).pair(),
            )
        evidence = []
        for (pid, prov), days in joint_rows.groupby(["participant_id", "provider"])["day"]:
            target = ("institution", prov[2:]) if prov.startswith("I:") else ("doctor", prov)
            dates = Join(sorted(d.date().isoformat() for d in days), "sep.list")
            evidence.append(
                Evidence.said(
                    ("participant", str(pid)),
                    target,
                    "CAME_WITH_GROUP",
                    float(len(days)),
                    Msg("evidence_detail.came_with_group", dates=dates),
                )
            )
        rings.append(
            Ring(
                typology=TYPOLOGY,
                members=sort_members(members),
                reasons=reasons.en,
                reasons_zh=reasons.zh,
                surprise=surprise,
                tests=max(tests, 1),
                amount_at_risk=cash.total,
                money=cash,
                period_start=start,
                period_end=end,
                region_code=region_of_participants(data, group),
                evidence=evidence,
            )
        )
    return rings
