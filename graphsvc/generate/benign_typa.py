"""Legitimate look-alikes of issue #12, part A.

Called at the end of ``rings.build_rings`` rather than in ``benign.build_benign``:
people these look-alikes reserve before the rings would shift every later ring's
picks, and so change the provinces the other typologies were tuned on.


* ``rekeyed_record``: a person who moved and was re-registered under a new record with
  the same ID number; the old record stops settling before the new one starts, so
  nothing is drawn twice (duplicate_enrolment's exemption ``rekeyed_after_move``);
* ``family_proxy``: families whose card is settled far from home on a day the holder
  also settled at home, because a registered family member bought for the holder
  there the same day (委托购药, exemption ``proxy_purchase``) or paid from the shared
  family account (家庭共济, exemption ``family_account``). Several such families use
  one far pharmacy (a pharmacy near where their relatives work or study), so without
  the exemptions they would look like a far-institution card-lending ring.
"""

from __future__ import annotations

import numpy as np

from graphsvc.generate.facilities import institutions_of
from graphsvc.generate.rings_typa import same_id_number, typa_rng
from graphsvc.generate.truth import BenignGroup, Member
from graphsvc.generate.world import DAYS, OUTPATIENT, PHARMACY, PHARMACY_KIND, SRC_BENIGN, World


def _group(w: World, kind: str, members: list[Member], description: str) -> None:
    counts: dict[str, int] = w.extra.setdefault("group_counts", {})
    n = counts[kind] = counts.get(kind, 0) + 1
    w.truth.benign_groups.append(BenignGroup(f"BG-{kind}-{n:05d}", kind, members, description))


def build(w: World) -> None:
    _rekeyed(w)
    _family_proxy(w)


def _count(w: World) -> int:
    return max(2, round(float(typa_rng(w).uniform(3, 6)) * w.scale))


def _rekeyed(w: World) -> None:
    """Old record settles until the move, the new one only after it (no overlapping use)."""
    rng = typa_rng(w)
    s = w.settlements.concat()
    settles = np.zeros(w.n, dtype=bool)
    settles[s["pat"]] = True
    for _ in range(_count(w)):
        linked = np.zeros(w.n, dtype=bool)
        linked[[x for h, m, _, _ in w.family for x in (h, m)]] = True
        quiet = np.flatnonzero(~settles & ~w.reserved & ~linked & (w.nursing < 0) & (w.age() >= 20))
        if quiet.shape[0] < 2:
            return
        old = int(rng.choice(quiet))
        twin = quiet[(w.age(quiet) == w.age(old)) & (w.gender[quiet] == w.gender[old])]
        twin = twin[twin != old]
        if twin.shape[0] == 0:
            continue
        new = int(rng.choice(twin))  # same age and sex: no one's age group changes
        w.reserved[[old, new]] = True
        settles[[old, new]] = True
        same_id_number(w, new, old)
        move = int(rng.integers(60, DAYS - 60))
        for p, lo, hi in ((old, 0, move - int(rng.integers(1, 30))), (new, move, DAYS)):
            n = int(rng.integers(2, 8))
            days = np.sort(rng.integers(lo, hi, size=n))
            clinic = int(w.home_clinic[p])
            w.settlements.add(
                np.full(n, p),
                clinic,
                days,
                OUTPATIENT,
                0,
                doc=w.doctor_at(np.full(n, clinic), rng.random(n)),
                src=SRC_BENIGN,
            )
        _group(
            w,
            "rekeyed_record",
            [w.mp(old, "old_record"), w.mp(new, "new_record")],
            f"{w.pid(old)} re-registered as {w.pid(new)} after a move on day {move}",
        )


def _family_proxy(w: World) -> None:
    """Registered relatives buying at one far pharmacy for holders who stay at home."""
    rng = typa_rng(w)
    links = [(h, m) for h, m, _, _ in w.family if not w.reserved[h] and not w.reserved[m]]
    if not links:
        return
    pharmacies = institutions_of(w, PHARMACY_KIND)
    for _ in range(_count(w)):
        k = int(rng.integers(3, 7))
        picks = rng.choice(len(links), size=min(k, len(links)), replace=False)
        fams = [links[int(i)] for i in picks]
        fams = [(h, m) for h, m in fams if not w.reserved[h] and not w.reserved[m]]
        home = {int(w.region[m]) for _, m in fams}
        far = pharmacies[~np.isin(w.inst_region[pharmacies], sorted(home))]
        if len(fams) < 2 or far.shape[0] == 0:
            continue
        shop = int(rng.choice(far))
        members = [w.mi(shop, "pharmacy")]
        for h, m in fams:
            w.reserved[[h, m]] = True
            n = int(rng.integers(2, 6))
            days = rng.choice(DAYS, size=n, replace=False)
            clinic = int(w.home_clinic[m])
            # the card holder at home...
            w.settlements.add(
                np.full(n, m),
                clinic,
                days,
                OUTPATIENT,
                0,
                doc=w.doctor_at(np.full(n, clinic), rng.random(n)),
                src=SRC_BENIGN,
            )
            if rng.random() < 0.5:
                # ...and the relative buying for them at the far pharmacy, own purchase too
                w.settlements.add(np.full(n, m), shop, days, PHARMACY, 0, src=SRC_BENIGN)
                w.settlements.add(np.full(n, h), shop, days, PHARMACY, 0, src=SRC_BENIGN)
            else:
                # ...or paying for the holder's medicine from the shared family account
                w.settlements.add(
                    np.full(n, m), shop, days, PHARMACY, 0, holder=h, acct=1000, src=SRC_BENIGN
                )
            members += [w.mp(m, "family_member"), w.mp(h, "account_holder")]
        _group(
            w,
            "family_proxy",
            members,
            f"{len(fams)} families buy for relatives at far pharmacy {w.iid(shop)}",
        )
