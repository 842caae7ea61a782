"""Ground truth: every typology planted as documented, benign look-alikes present.

Each check reads the CSV files (not generator internals), so it verifies that the
pattern a detector needs is really in the data for every planted ring.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise

import pandas as pd
import pytest
from gen_helpers import Province

from graphsvc.contract.normalise import normalise_identifier
from graphsvc.generate.shapes import SHAPES
from graphsvc.generate.truth import BENIGN_KINDS, TYPOLOGIES, GroundTruth, PlantedRing


def ids(ring: PlantedRing, kind: str, role: str | None = None) -> list[str]:
    return [m.id for m in ring.members if m.kind == kind and (role is None or m.role == role)]


@pytest.fixture(scope="module")
def idents(province: Province) -> pd.DataFrame:
    i = province["identifiers"].copy()
    i["norm"] = [normalise_identifier(k, v) for k, v in zip(i["kind"], i["value"], strict=True)]
    return i


def test_ground_truth_file_format(province: Province) -> None:
    data = json.loads((province.path / "ground_truth.json").read_text(encoding="utf-8"))
    assert set(data) == {"seed", "participants", "rings", "benign_groups", "bad_rows"}
    assert data["seed"] == 5 and data["participants"] == 3_000
    assert data["bad_rows"] == []
    for r in data["rings"]:
        assert set(r) == {"id", "typology", "members", "description", "shape"}
        assert r["shape"] in SHAPES[r["typology"]], r["id"]
        assert r["id"].startswith(f"GT-{r['typology']}-")
        for m in r["members"]:
            assert set(m) == {"kind", "id", "role"}
    for g in data["benign_groups"]:
        assert g["kind"] in BENIGN_KINDS
    assert GroundTruth.read(province.path / "ground_truth.json").to_json() == data


def test_every_typology_planted_with_existing_members(province: Province) -> None:
    truth = province.truth
    counts = Counter(r.typology for r in truth.rings)
    assert set(counts) == set(TYPOLOGIES)
    assert all(c >= 2 for c in counts.values())
    known = {
        "participant": set(province["participants"]["participant_id"]),
        "doctor": set(province["doctors"]["doctor_id"]),
        "institution": set(province["institutions"]["institution_id"]),
    }
    seen: set[tuple[str, str]] = set()
    for ring in truth.rings:
        keys = [(m.kind, m.id) for m in ring.members]
        assert len(keys) == len(set(keys)), ring.id
        for kind, key in keys:
            assert key in known[kind], (ring.id, key)
        # nobody (participant, doctor or institution) is planted in two rings
        assert not set(keys) & seen, ring.id
        seen |= set(keys)


def test_ring_counts_scale_with_size() -> None:
    import numpy as np

    from graphsvc.generate.rings import ring_count
    from graphsvc.generate.world import World

    def count(n: int) -> int:
        w = World(
            rng=np.random.default_rng(1), n=n, seed=1, scale=n / 20_000, truth=GroundTruth(1, n)
        )
        return ring_count(w)

    assert 3 <= count(20_000) <= 6
    assert 30 <= count(200_000) <= 60


def test_shared_identity(province: Province, idents: pd.DataFrame) -> None:
    fam = province["family_links"]
    family = set(zip(fam["holder_id"], fam["member_id"], strict=True))
    for ring in province.truth.rings_of("shared_identity"):
        ps = ids(ring, "participant")
        assert 5 <= len(ps) <= 15
        mine = idents[idents["participant_id"].isin(ps)]
        addr = mine[mine["kind"] == "address"].groupby("participant_id")["norm"].first()
        assert addr.nunique() == len(ps), "members live at different addresses"
        shared = mine[mine["kind"].isin(["device", "bank_account", "phone"])]
        holders = shared.groupby(["kind", "norm"])["participant_id"].nunique()
        shared_keys = holders[holders >= 2].index
        on_shared = shared.set_index(["kind", "norm"]).loc[shared_keys, "participant_id"]
        assert set(on_shared) == set(ps), "every member shares something with another"
        import networkx as nx

        g = nx.Graph()
        g.add_edges_from((p, key) for key, p in on_shared.items())
        assert nx.is_connected(g), "the shared identifiers tie the whole ring together"
        assert not any((a, b) in family for a in ps for b in ps)
        # their cards were used together at one pharmacy on the same days
        rx = province["prescriptions"]
        rx = rx[rx["participant_id"].isin(ps) & (rx["visit_type"] == "pharmacy")]
        together = rx.groupby(["institution_id", "date"])["participant_id"].nunique()
        assert (together >= 2).sum() >= 3


def test_organised_visits(province: Province) -> None:
    rx = province["prescriptions"]
    shapes = set()
    for ring in province.truth.rings_of("organised_visits"):
        shapes.add(ring.shape)
        ps = ids(ring, "participant", "recruited")
        (inst,) = ids(ring, "institution")
        mine = rx[rx["participant_id"].isin(ps) & (rx["institution_id"] == inst)]
        if ring.shape == "doctor_rotation":
            # no one doctor: the group is brought to the institution, seen by several
            assert ids(ring, "doctor") == [] and 6 <= len(ps) <= 30, ring.id
            trips = mine[mine["doctor_id"].notna()]
            per_day = trips.groupby("date")["participant_id"].nunique()
            busy = per_day[per_day >= max(2, len(ps) // 3)].index
            assert trips[trips["date"].isin(busy)]["doctor_id"].nunique() >= 2, ring.id
        else:
            (doc,) = ids(ring, "doctor")
            assert (6 if ring.shape == "weekly_weekday" else 8) <= len(ps) <= 30, ring.id
            mine = mine[mine["doctor_id"] == doc]  # members may also be ordinary patients there
            per_day = mine.groupby("date")["participant_id"].nunique()
        assert (per_day >= max(2, len(ps) // 3)).sum() >= 3, ring.id
        if ring.shape == "weekly_weekday":
            days = pd.to_datetime(per_day[per_day >= max(2, len(ps) // 3)].index)
            assert days.day_of_week.nunique() == 1, ring.id  # one weekday, every trip


def test_fake_referral_loops(province: Province) -> None:
    ref = province["referrals"]
    for ring in province.truth.rings_of("fake_referral"):
        insts = set(ids(ring, "institution"))
        ps = ids(ring, "participant")
        assert 3 <= len(insts) <= 5
        doctors = len(ids(ring, "doctor"))
        # one signing doctor per institution, or (shape ..._doctors) a different doctor
        # for each referral, several per institution
        if ring.shape.endswith("_doctors"):
            assert doctors >= len(insts), ring.id
        else:
            assert doctors == len(insts), ring.id
        mine = ref[ref["participant_id"].isin(ps)]
        mine = mine[mine["from_institution_id"].isin(insts) & mine["to_institution_id"].isin(insts)]
        edges = set(zip(mine["from_institution_id"], mine["to_institution_id"], strict=True))
        # a loop: some edge is closed by a path back (reciprocal pair or longer cycle)
        import networkx as nx

        g = nx.DiGraph(list(edges))
        assert list(nx.simple_cycles(g)), ring.id
        per_patient = mine.groupby("participant_id").size()
        assert (per_patient >= 2).all() and len(per_patient) == len(ps)


def test_family_sharing_abuse(province: Province, idents: pd.DataFrame) -> None:
    rx = province["prescriptions"]
    for ring in province.truth.rings_of("family_sharing_abuse"):
        (holder,) = ids(ring, "participant", "account_holder")
        bens = ids(ring, "participant", "beneficiary")
        assert 6 <= len(bens) <= 20
        paid = rx[rx["account_holder_id"] == holder]
        assert set(bens) <= set(paid["participant_id"])
        assert (paid.loc[paid["participant_id"].isin(bens), "account_paid"].astype(float) > 0).any()
        addr = idents[idents["kind"] == "address"].groupby("participant_id")["norm"].first()
        assert addr[holder] not in set(addr[bens])


def test_pharmacy_collusion(province: Province) -> None:
    rx = province["prescriptions"]
    items = province["prescription_items"]
    for ring in province.truth.rings_of("pharmacy_collusion"):
        (doc,) = ids(ring, "doctor")
        (shop,) = ids(ring, "institution")
        ps = ids(ring, "participant")
        fills = rx[
            (rx["doctor_id"] == doc)
            & rx["participant_id"].isin(ps)
            & (rx["visit_type"] == "pharmacy")
        ]
        assert (fills["institution_id"] == shop).mean() > 0.7
        assert fills["participant_id"].nunique() == len(ps)
        codes = items[items["prescription_id"].isin(fills["prescription_id"])]["trace_code"]
        assert codes.duplicated().any(), f"{ring.id}: no pack settled twice"
        # the patients were steered there: it is not where they usually shop
        usual = rx[rx["participant_id"].isin(ps) & (rx["visit_type"] == "pharmacy")]
        usual = usual[usual["doctor_id"] != doc]
        assert (usual["institution_id"] == shop).mean() < 0.5


def test_duplicate_trace_codes_are_planted_or_split_packs(province: Province) -> None:
    """A pack settled twice is resale inside a collusion ring, or a split pack (拆零)."""
    rx = province["prescriptions"].set_index("prescription_id")
    items = province["prescription_items"]
    drugs = items[items["trace_code"] != ""]
    dup = drugs[drugs["trace_code"].duplicated(keep=False)]
    ring_people = {m.id for r in province.truth.rings_of("pharmacy_collusion") for m in r.members}
    kinds: Counter[str] = Counter()
    for _, group in dup.groupby("trace_code"):
        pats = set(rx.loc[group["prescription_id"], "participant_id"])
        insts = set(rx.loc[group["prescription_id"], "institution_id"])
        if len(pats) == 1 and len(insts) == 1 and not pats <= ring_people:
            kinds["split_pack"] += 1
        else:
            assert pats <= ring_people
            kinds["resale"] += 1
    assert kinds["split_pack"] >= 1 and kinds["resale"] >= 1


def test_split_hospitalisation(province: Province) -> None:
    """Each split patient is readmitted for the same diagnosis at the ring's hospitals,
    within the ring's drawn gap range (0-15 days, or 16-28 for late readmission)."""
    rx = province["prescriptions"]
    for ring in province.truth.rings_of("split_hospitalisation"):
        insts = set(ids(ring, "institution"))
        assert len(insts) == (2 if ring.shape == "sister_hospital" else 1), ring.id
        late = ring.shape == "late_readmission"
        for p in ids(ring, "participant", "split_patient"):
            stays = rx[
                (rx["participant_id"] == p)
                & (rx["institution_id"].isin(insts))
                & (rx["visit_type"] == "inpatient")
            ].sort_values("date")
            assert len(stays) >= 2
            gaps = [
                (pd.Timestamp(b["date"]) - pd.Timestamp(a["discharge_date"])).days
                for (_, a), (_, b) in pairwise(stays.iterrows())
                if a["diagnosis_code"] == b["diagnosis_code"]
            ]
            lo, hi = (16, 28) if late else (0, 15)
            assert any(lo <= g <= hi for g in gaps), (ring.id, p)


def test_ghost_hospitalisation(province: Province) -> None:
    rx = province["prescriptions"]
    for ring in province.truth.rings_of("ghost_hospitalisation"):
        (inst,) = ids(ring, "institution")
        assert len(ids(ring, "doctor")) == 1 or ring.shape == "spread_doctors"
        for p in ids(ring, "participant", "ghost_patient"):
            mine = rx[rx["participant_id"] == p]
            stay = mine[(mine["institution_id"] == inst) & (mine["visit_type"] == "inpatient")]
            assert len(stay) >= 1
            ghosted = []
            for _, st in stay.iterrows():
                inside = mine[(mine["date"] > st["date"]) & (mine["date"] < st["discharge_date"])]
                assert (inside["institution_id"] != inst).all()
                ghosted.append(len(inside) > 0)
            assert any(ghosted), (ring.id, p)


def test_stray_mid_stay_settlements_are_few(province: Province) -> None:
    """Outside ghost rings, a settlement inside one's own stay is rare honest noise (a
    relative's purchase, ~4% of stays), never the majority of a hospital's stays."""
    rx = province["prescriptions"]
    stays = rx[rx["visit_type"] == "inpatient"][
        ["participant_id", "institution_id", "date", "discharge_date"]
    ]
    j = rx.merge(stays, on="participant_id", suffixes=("", "_stay"))
    inside = j[(j["date"] > j["date_stay"]) & (j["date"] < j["discharge_date_stay"])]
    ghosts = {
        m.id
        for r in province.truth.rings_of("ghost_hospitalisation")
        for m in r.members
        if m.role == "ghost_patient"
    }
    assert set(ghosts) <= set(inside["participant_id"])
    stray = inside[~inside["participant_id"].isin(ghosts)]["participant_id"].nunique()
    assert 0 < stray <= 0.1 * stays["participant_id"].nunique()


def test_benign_groups_present(province: Province, idents: pd.DataFrame) -> None:
    kinds = Counter(g.kind for g in province.truth.benign_groups)
    assert set(kinds) == set(BENIGN_KINDS)
    addr = idents[idents["kind"] == "address"]
    for g in province.truth.benign_groups:
        if g.kind == "nursing_home":
            residents = [m.id for m in g.members if m.role == "resident"]
            assert 20 <= len(residents) <= 80
            shared = addr[addr["participant_id"].isin(residents)].groupby("norm").size()
            assert shared.max() == len(residents)
        if g.kind == "busy_clinic":
            (doc,) = [m.id for m in g.members if m.kind == "doctor"]
            rx = province["prescriptions"]
            per_day = rx[rx["doctor_id"] == doc].groupby("date").size()
            assert per_day.max() >= 40
        if g.kind == "chronic_cohort" and "rehabilitation" in g.description:
            (doc,) = [m.id for m in g.members if m.kind == "doctor"]
            pats = [m.id for m in g.members if m.kind == "participant"]
            rx = province["prescriptions"]
            sessions = rx[(rx["doctor_id"] == doc) & rx["participant_id"].isin(pats)]
            per_day = sessions.groupby("date")["participant_id"].nunique()
            days = sorted(per_day[per_day >= len(pats) // 2].index)  # the class days
            assert len(days) >= 8
            stays = rx[rx["participant_id"].isin(pats) & (rx["visit_type"] == "inpatient")]
            stroke = stays[
                (stays["diagnosis_code"] == "I63.9") & (stays["discharge_date"] < days[0])
            ]
            assert set(stroke["participant_id"]) == set(pats)
        hub_roles = {"listed_contact", "registered_resident", "kiosk_user"}
        if g.kind == "hub_identifier" and {m.role for m in g.members} & hub_roles:
            assert len([m for m in g.members if m.kind == "participant"]) >= 30


def test_registered_family_links_plausible_unless_planted(province: Province) -> None:
    """Registered family sharing has plausible ages, except inside abuse rings."""
    born = province["participants"].set_index("participant_id")["birth_date"]
    years = pd.to_datetime(born, format="%Y-%m-%d").dt.year
    fam = province["family_links"]
    # > 0: the member is younger than the holder
    gap = years[fam["member_id"]].to_numpy() - years[fam["holder_id"]].to_numpy()
    planted = {
        (h, m.id)
        for r in province.truth.rings_of("family_sharing_abuse")
        for h in ids(r, "participant", "account_holder")
        for m in r.members
        if m.role == "beneficiary"
    }
    is_planted = [
        (h, m) in planted for h, m in zip(fam["holder_id"], fam["member_id"], strict=True)
    ]
    for rel, g, bad in zip(fam["relation"], gap, is_planted, strict=True):
        plausible = {"child": g >= 10, "parent": g <= -15, "spouse": abs(g) <= 15}[rel]
        assert plausible != bad, (rel, g, bad)
    registered = [
        r for r in province.truth.rings_of("family_sharing_abuse") if "impossible" in r.description
    ]
    assert any(is_planted) == bool(registered)


# -- confounders (graphsvc/generate/confounders.py) --------------------------------------
def _groups(province: Province, role: str) -> list[list[str]]:
    return [
        [m.id for m in g.members if m.kind == "participant"]
        for g in province.truth.benign_groups
        if any(m.role == role for m in g.members)
    ]


def test_reassigned_phones_shared_by_strangers(province: Province, idents: pd.DataFrame) -> None:
    pairs = _groups(province, "current_holder")
    assert len(pairs) >= 3
    addr = idents[idents["kind"] == "address"].groupby("participant_id")["norm"].first()
    phones = idents[idents["kind"] == "phone"]
    fam = province["family_links"]
    family = set(zip(fam["holder_id"], fam["member_id"], strict=True))
    for a, b in pairs:
        shared = set(phones.loc[phones["participant_id"] == a, "norm"]) & set(
            phones.loc[phones["participant_id"] == b, "norm"]
        )
        assert shared and addr[a] != addr[b]
        assert (a, b) not in family and (b, a) not in family


def test_neighbours_share_a_device(province: Province, idents: pd.DataFrame) -> None:
    groups = _groups(province, "device_user")
    assert len(groups) >= 3
    addr = idents[idents["kind"] == "address"].groupby("participant_id")["norm"].first()
    dev = idents[idents["kind"] == "device"]
    for ps in groups:
        assert 2 <= addr[ps].nunique() <= 3
        common = set.intersection(*(set(dev.loc[dev["participant_id"] == p, "norm"]) for p in ps))
        assert len(common) == 1


def test_entry_error_duplicates_same_card_same_day(province: Province) -> None:
    rx = province["prescriptions"].set_index("prescription_id")
    items = province["prescription_items"]
    drugs = items[items["trace_code"] != ""]
    dup = drugs[drugs["trace_code"].duplicated(keep=False)]
    same_day = 0
    for _, group in dup.groupby("trace_code"):
        rows = rx.loc[group["prescription_id"]]
        if len(set(rows["participant_id"])) == len(set(rows["date"])) == 1:
            assert rows["institution_id"].nunique() == 1
            same_day += 1
    assert same_day >= 3


def test_two_way_referrals_repeat_up_and_down(province: Province) -> None:
    inst = province["institutions"].set_index("institution_id")
    level = inst["level"].astype(int).where(inst["kind"] == "hospital", 0)
    ref = province["referrals"]
    groups = [
        g
        for g in province.truth.benign_groups
        if g.kind == "legit_referral" and any(m.role == "patient" for m in g.members)
    ]
    assert groups
    repeated = 0
    for g in groups:
        (clinic,) = [m.id for m in g.members if m.role == "community_clinic"]
        (hosp,) = [m.id for m in g.members if m.role == "county_hospital"]
        assert level[hosp] > level[clinic]
        for p in [m.id for m in g.members if m.role == "patient"]:
            mine = ref[ref["participant_id"] == p]
            up = (
                (mine["from_institution_id"] == clinic) & (mine["to_institution_id"] == hosp)
            ).sum()
            down = (
                (mine["from_institution_id"] == hosp) & (mine["to_institution_id"] == clinic)
            ).sum()
            assert up >= 1 and down >= 1
            repeated += int(up >= 2 and down >= 2)
    assert repeated >= 1


def test_chronic_visits_sometimes_off_the_clinic_weekday(province: Province) -> None:
    rx = province["prescriptions"]
    cohorts = [
        g for g in province.truth.benign_groups if any(m.role == "doctor" for m in g.members)
    ]
    off = on = 0
    for g in cohorts:
        (doc,) = [m.id for m in g.members if m.role == "doctor"]
        pats = [m.id for m in g.members if m.role == "patient"]
        mine = rx[(rx["doctor_id"] == doc) & rx["participant_id"].isin(pats)]
        wd = pd.to_datetime(mine["date"]).dt.day_of_week
        main = int(wd.mode().iloc[0])
        off += int((wd != main).sum())
        on += int((wd == main).sum())
    assert 0.05 < off / (off + on) < 0.4


def test_some_ring_identifiers_have_an_outsider(province: Province, idents: pd.DataFrame) -> None:
    rings = province.truth.rings_of("shared_identity")
    outsiders = 0
    for ring in rings:
        ps = set(ids(ring, "participant"))
        mine = idents[
            idents["participant_id"].isin(ps) & idents["kind"].isin(["device", "bank_account"])
        ]
        counts = mine.groupby(["kind", "norm"])["participant_id"].nunique()
        keys = set(counts[counts >= 2].index)
        holders = idents[[k in keys for k in zip(idents["kind"], idents["norm"], strict=True)]]
        outsiders += len(set(holders["participant_id"]) - ps)
    assert 1 <= outsiders <= len(rings)  # at most one outsider a ring
