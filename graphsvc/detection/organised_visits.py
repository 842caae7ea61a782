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

import numpy as np
import pandas as pd

from graphsvc.detection.common import (
    PYTHON_CLUSTERING,
    Clustering,
    Explainer,
    UnionFind,
    fmt_p,
    period,
    region_of_participants,
)
from graphsvc.detection.config import DetectConfig
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

log = logging.getLogger(__name__)

TYPOLOGY = "organised_visits"


def sessions_of(data: GraphData) -> pd.DataFrame:
    """One row per (participant, provider, day) of a visit, with the session's load.

    ``slot`` is the provider's schedule slot of the day (its weekday): a clinic's
    chronic-disease day or a nursing-home round comes back on the same weekday.
    """
    rx = data.prescriptions
    rx = rx[(rx["visit_type"] != "pharmacy") & rx["date"].notna() & rx["participant_id"].notna()]
    prov = rx["doctor_id"].where(rx["doctor_id"].notna(), "I:" + rx["institution_id"].astype(str))
    v = pd.DataFrame(
        {
            "participant_id": rx["participant_id"].astype(str),
            "provider": prov.astype(str),
            "institution_id": rx["institution_id"].astype(str),
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
    visits: pd.DataFrame, config: DetectConfig, pool: pd.Series | None = None
) -> tuple[pd.DataFrame, int]:
    """Pairs of a provider's sessions attended by the same people, beyond chance.

    Two sessions ``s`` and ``t`` of provider ``d`` on different schedule slots share
    ``o`` patients. If the ``n_s`` and ``n_t`` patients were drawn from the ``N_d``
    people the provider could draw on (its patients, or the insured of its region if
    more: a doctor whose practice *is* a recruited group must not explain it away),
    ``o`` would be about Binomial(min(n), max(n)/N_d): a busy clinic's market days
    share a few regulars, two outings of one recruited group share most of it.
    Returns significant session pairs (Bonferroni over the provider's session pairs)
    and the number of session pairs examined.
    """
    cfg = config.organised_visits
    if pool is None:
        pool = visits.groupby("provider")["participant_id"].nunique()
    v = visits[(visits["load"] >= cfg.min_members) & (visits["load"] <= cfg.max_session_size)]
    v = v.assign(person=v["provider"] + "|" + v["participant_id"])
    v = v.sort_values(["person", "session"], kind="stable")
    sess = v.drop_duplicates("session").set_index("session")[["provider", "slot", "load"]]
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
    out = out[sess.loc[out["s"], "slot"].to_numpy() != sess.loc[out["t"], "slot"].to_numpy()]
    if out.empty:
        return out.assign(surprise=[]), max(tests, 1)
    ns = sess.loc[out["s"], "load"].to_numpy()
    nt = sess.loc[out["t"], "load"].to_numpy()
    prov = sess.loc[out["s"], "provider"].to_numpy()
    big_n = pool.loc[prov].to_numpy(dtype=float)
    out["surprise"] = [
        -log10_binom_sf(int(o), int(min(a, b)), min(1.0, max(a, b) / n))
        for o, a, b, n in zip(out["o"], ns, nt, big_n, strict=True)
    ]
    m = per_provider.loc[prov].to_numpy(dtype=float)
    need = np.log10(np.maximum(m * (m - 1) / 2, 1.0)) + cfg.min_pair_surprise
    return out[out["surprise"] >= need].reset_index(drop=True), max(tests, 1)


def group_surprise(
    visits: pd.DataFrame,
    provider_stats: pd.DataFrame,
    group: set[str],
    min_present: int,
    min_session_surprise: float = 2.0,
) -> tuple[float, pd.DataFrame]:
    """Surprise of a group turning up together, with the sessions that make it.

    Null: each member's visits to a provider fall on its working days in proportion to
    the load *of everybody else* (the group's own turnout must not explain itself). In
    session ``s`` member ``i`` is present with probability ``min(1, k_i * w_s)`` and the
    number present is about Poisson with mean ``lambda_s``, the sum over members. Each
    session where at least ``min_present`` members came adds ``-log10 P(Poisson(
    lambda_s) >= x_s)``; one session per schedule slot counts, so a monthly round in the
    same slot adds once.
    """
    gv = visits[visits["participant_id"].isin(group)]
    x = gv.groupby("session").agg(
        x=("participant_id", "size"),
        provider=("provider", "first"),
        slot=("slot", "first"),
        load=("load", "first"),
    )
    x = x[x["x"] >= min_present]
    if x.empty:
        return 0.0, x
    k = gv.groupby(["provider", "participant_id"]).size().rename("k").reset_index()
    own = gv.groupby("provider").size()
    rows = []
    for sess, prov, slot, xs, load in zip(x.index, x["provider"], x["slot"], x["x"], x["load"],
                                          strict=True):  # fmt: skip
        st = provider_stats.loc[prov]
        others = float(st["visits"]) - float(own.get(prov, 0))
        w = (load - xs + 1) / (others + float(st["days"]))
        kk = k.loc[k["provider"] == prov, "k"].to_numpy(dtype=float)
        lam = float(np.minimum(1.0, kk * w).sum())
        rows.append((sess, prov, slot, int(xs), lam, -log10_poisson_sf(int(xs), lam)))
    out = pd.DataFrame(rows, columns=["session", "provider", "slot", "x", "lam", "surprise"])
    # A session counts when its turnout would be unlikely on any of the provider's
    # working days (Bonferroni over its days): regulars of a busy clinic meeting on a
    # market day do not count, a coach party does.
    need = np.log10(provider_stats.loc[out["provider"], "days"].to_numpy(dtype=float))
    out = out[out["surprise"] >= need + min_session_surprise]
    best = out.sort_values(["slot", "surprise", "session"], ascending=[True, False, True])
    best = best.drop_duplicates("slot")
    return float(best["surprise"].sum()), best.sort_values("session").reset_index(drop=True)


def _on_schedule(sessions: pd.Series, tolerance_days: int) -> bool:
    """Whether joint sessions come at a fixed interval of a week or more (four or more).

    >>> _on_schedule(pd.Series(["D|2024-01-05", "D|2024-02-04", "D|2024-03-05",
    ...                         "D|2024-04-04"]), 3)
    True
    >>> _on_schedule(pd.Series(["D|2024-01-05", "D|2024-02-20", "D|2024-03-05",
    ...                         "D|2024-06-04"]), 3)
    False
    """
    days = np.sort(pd.to_datetime(sessions.str.split("|").str[-1]).to_numpy())
    if len(days) < 4:
        return False
    gaps = np.diff(days).astype("timedelta64[D]").astype(int)
    return bool(gaps.min() >= 7 and gaps.max() - gaps.min() <= tolerance_days)


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
    linked, tests = gatherings(visits, config, catchment(data, visits))
    if linked.empty:
        return []
    # Gatherings -> groups: seeded Leiden (modularity) on the session graph splits a
    # provider's gatherings into the groups that met there (two groups brought to one
    # doctor, bridged by a day both came); the group is the people who came to at least
    # two of its sessions. One group's outings are linked pairwise (a dense clique) and
    # are not split.
    edges = linked.rename(columns={"s": "a", "t": "b"})[["a", "b", "surprise"]]
    pstats = provider_stats_of(visits)

    def regulars_of(part: list[str]) -> list[str]:
        sv = visits[visits["session"].isin(set(part))]
        times = sv.groupby("participant_id")["session"].nunique()
        return sorted(str(p) for p in times[times >= 2].index)

    def stands_out(people: list[str]) -> bool:
        if len(people) < cfg.min_members:
            return False
        present = max(cfg.min_members, math.ceil(cfg.min_turnout * len(people)))
        s, joint = group_surprise(visits, pstats, set(people), present, cfg.min_session_surprise)
        return len(joint) >= cfg.min_joint_sessions and not weak(
            s, tests, config.scoring.min_adjusted_surprise
        )

    groups: list[list[str]] = []
    for sessions in algos.components(zip(linked["s"], linked["t"], strict=True)):
        parts = [sessions]
        sub = edges[edges["a"].isin(set(sessions))]
        n = len(sessions)
        # Split only gatherings that are not one clique of mutually linked outings, and
        # keep the split only when it finds two or more groups that each stand out: one
        # group whose turnout varies (not every pair of its outings linked) must not be
        # cut into pieces too small to test (issue #11).
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
    explainer = Explainer(data, config.shared_identity.household_max)
    rx = data.prescriptions
    rings: list[Ring] = []
    for community in groups:
        if len(community) < cfg.min_members:
            continue
        # A joint session: a good part of the group turned up, not three regulars of a
        # busy clinic who happened to be there on the same market day.
        present = max(cfg.min_members, math.ceil(cfg.min_turnout * len(community)))
        surprise, joint = group_surprise(
            visits, pstats, set(community), present, cfg.min_session_surprise
        )
        if len(joint) < cfg.min_joint_sessions:
            continue
        if _on_schedule(joint["session"], cfg.schedule_tolerance_days) and _treatment(
            visits[visits["session"].isin(set(joint["session"]))
                   & visits["participant_id"].isin(set(community))]["diagnosis"],
            cfg.treatment_diagnoses,
        ):  # fmt: skip
            # Equally spaced meetings for treatment (chemotherapy, dialysis, rehabilitation)
            # are a shared treatment cycle; regular cadence alone is not care (issue #11).
            continue
        if weak(surprise, tests, config.scoring.min_adjusted_surprise):
            continue
        gv = visits[visits["participant_id"].isin(set(community))]
        # Every session the group turned up to (not only the one counted per slot).
        turned_up = gv.groupby("session")["participant_id"].transform("size") >= present
        joint_rows = gv[turned_up | gv["session"].isin(set(joint["session"]))]
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
        providers = joint_rows.groupby("provider")["session"].nunique()
        providers = providers.sort_values(ascending=False, kind="stable")
        hub = str(providers.index[0]) if len(providers) else None
        members: list[Member] = [Member("participant", p, "member") for p in group]
        # The provider the group is brought to most is part of the ring.
        n_sessions = joint_rows["session"].nunique()
        if hub is not None and n_sessions >= 2:
            hub_share = providers.iloc[0] / max(1, n_sessions)
            if hub_share >= 0.5:
                hub_rows = joint_rows[joint_rows["provider"] == hub]
                inst = hub_rows["institution_id"].value_counts().sort_index()
                inst_id = str(inst.idxmax()) if len(inst) else None
                if not hub.startswith("I:"):
                    members.append(Member("doctor", hub, "hub doctor"))
                if inst_id is not None:
                    members.append(Member("institution", inst_id, "institution"))
        start, end = period(joint_rows["day"] if len(joint_rows) else gv["day"])
        implicated = rx[
            rx["participant_id"].isin(gset)
            & (rx["visit_type"] != "pharmacy")
            & rx["date"].isin(joint_rows["day"].unique())
        ]
        cash = money_at_risk(implicated)
        per_day = list(joint_rows.groupby("day")["participant_id"].nunique().items())
        turnout = ", ".join(f"{d.date().isoformat()}: {int(n)}" for d, n in per_day)
        turnout_zh = "，".join(f"{d.date().isoformat()}：{int(n)}人" for d, n in per_day)
        reasons = Reasons()
        reasons.add(
            f"{len(group)} participants came to the same provider on the same day in "
            f"{n_sessions} sessions ({len(joint)} on distinct weekdays counted) with at least "
            f"{present} of them ({len(providers)} providers); turnout {turnout}",
            f"{len(group)}名参保人在{n_sessions}个场次中同日到同一医药机构或医师处就诊，"
            f"每场次至少{present}人（涉及{len(providers)}个机构或医师；同一星期几的场次"
            f"只计一次，共计入{len(joint)}个场次）；各日到诊人数：{turnout_zh}",
        )
        reasons.add(
            f"chance members would meet like this, given everyone else's use of those "
            f"providers: {fmt_p(-surprise)} ({tests} pairs of sessions examined)",
            f"按其他参保人在上述机构或医师处的就诊情况推算，成员偶然如此聚集就诊的概率："
            f"{fmt_p(-surprise)}（共检查{tests}对场次）",
        )
        reasons.add(*cash.sentence())
        if any(m.role == "hub doctor" for m in members):
            reasons.insert(
                1,
                f"doctor {hub} saw the group together in {int(providers.iloc[0])} sessions",
                f"医师{hub}在{int(providers.iloc[0])}个场次中集中接诊该团伙成员",
            )
        evidence = []
        for (pid, prov), days in joint_rows.groupby(["participant_id", "provider"])["day"]:
            target = ("institution", prov[2:]) if prov.startswith("I:") else ("doctor", prov)
            dates = ", ".join(sorted(d.date().isoformat() for d in days))
            evidence.append(
                Evidence(
                    ("participant", str(pid)),
                    target,
                    "CAME_WITH_GROUP",
                    float(len(days)),
                    f"with the group on {dates}",
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
