"""Households, participants, their identifiers and registered family account sharing.

Households are built first (size, composition, ages), then people inside them, so
family facts are consistent: spouses of similar age, children 22-38 years younger,
parents older; registered 家庭共济 links only go from an employee to their own spouse,
children and parents living at the same address. Nursing-home residents are
single-person households that share the home's address and switchboard phone.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from graphsvc.generate import catalog as cat
from graphsvc.generate.facilities import (
    institutions_of,
    pick_in_region,
    region_table,
)
from graphsvc.generate.idnumber import check_chars
from graphsvc.generate.spelling import address_variants
from graphsvc.generate.world import (
    ADDRESS,
    BANK,
    CLINIC,
    DEVICE,
    EMAIL,
    EPOCH_OFFSET,
    HOSPITAL,
    PHARMACY_KIND,
    PHONE,
    World,
)

ROLE_HEAD, ROLE_SPOUSE, ROLE_CHILD, ROLE_PARENT, ROLE_RESIDENT = 0, 1, 2, 3, 4
SIZE_P = np.array([0.22, 0.29, 0.24, 0.15, 0.07, 0.03])
ADDRESS_RESPELL = 0.3  # share of address records written another way (issue #15)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def bijection(k: npt.NDArray[np.int64], modulus: int, salt: int) -> npt.NDArray[np.int64]:
    """A permutation of [0, modulus) (odd multiplier coprime to 10^x): unique codes."""
    mult = 7_919_881 if modulus > 7_919_881 else 7
    return (np.asarray(k, dtype=np.int64) * mult + salt) % modulus


def nursing_plan(w: World) -> list[int]:
    n_homes = max(1, round(2 * w.scale))
    cap = max(20, int(w.n * 0.012))
    return [min(cap, int(w.rng.integers(20, 81))) for _ in range(n_homes)]


def build_population(w: World) -> None:
    rng = w.rng
    homes = nursing_plan(w)
    w.extra["nursing_sizes"] = homes
    n_nursing = sum(homes)
    target = w.n - n_nursing
    sizes = rng.choice(np.arange(1, 7), p=SIZE_P, size=target // 2 + 16)
    cs = np.cumsum(sizes)
    h = int(np.searchsorted(cs, target))
    sizes = sizes[: h + 1].copy()
    sizes[-1] -= int(cs[h] - target)
    sizes = sizes[sizes > 0]
    n_hh = sizes.shape[0]
    weights = np.array([r.weight for r in cat.REGIONS])
    hh_region = np.asarray(
        rng.choice(len(cat.REGIONS), p=weights / weights.sum(), size=n_hh), dtype=np.int64
    )
    has_parent = (sizes >= 3) & (rng.random(n_hh) < 0.3)
    head_age = np.where(
        sizes == 1,
        rng.integers(19, 88, size=n_hh),
        np.where(sizes == 2, rng.integers(24, 86, size=n_hh), rng.integers(28, 61, size=n_hh)),
    )
    hh = np.repeat(np.arange(n_hh), sizes)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(target) - start[hh]
    role = np.where(
        pos == 0,
        ROLE_HEAD,
        np.where(
            pos == 1,
            ROLE_SPOUSE,
            np.where((pos == 2) & has_parent[hh], ROLE_PARENT, ROLE_CHILD),
        ),
    )
    ha = head_age[hh]
    age = np.select(
        [role == ROLE_HEAD, role == ROLE_SPOUSE, role == ROLE_PARENT],
        [
            ha,
            np.clip(ha + np.round(rng.normal(0, 3, size=target)), 19, 95),
            np.clip(ha + rng.integers(22, 35, size=target), 0, 98),
        ],
        default=np.clip(ha - rng.integers(22, 39, size=target), 0, 70),
    ).astype(np.int64)
    head_gender = np.asarray(rng.integers(0, 2, size=n_hh), dtype=np.int64)
    gender = np.where(
        role == ROLE_HEAD,
        head_gender[hh],
        np.where(role == ROLE_SPOUSE, 1 - head_gender[hh], rng.integers(0, 2, size=target)),
    )
    # Nursing homes: unrelated elderly, one single-person household each, shared address.
    nh_home = np.repeat(np.arange(len(homes)), homes)
    n_all = w.n
    home_region = rng.choice([0, 0, 1, 3, 5, 6], size=len(homes))
    w.extra["nursing_region"] = home_region
    age = np.concatenate([age, rng.integers(70, 96, size=n_nursing)])
    gender = np.concatenate([gender, rng.integers(0, 2, size=n_nursing)])
    role = np.concatenate([role, np.full(n_nursing, ROLE_RESIDENT)])
    hh_all = np.concatenate([hh, n_hh + np.arange(n_nursing)])
    region = np.concatenate([hh_region[hh], home_region[nh_home]])
    w.nursing = np.concatenate([np.full(target, -1), nh_home]).astype(np.int64)
    w.household = hh_all.astype(np.int64)
    w.hh_role = role.astype(np.int64)
    w.gender = gender.astype(np.int64)
    w.region = region.astype(np.int64)
    birth = (
        EPOCH_OFFSET
        + 181
        - np.floor(age * 365.25).astype(np.int64)
        - rng.integers(0, 365, size=n_all)
    )
    # babies: born some day of the year before (none in the simulated year itself)
    late = birth >= EPOCH_OFFSET
    birth[late] = EPOCH_OFFSET - rng.integers(1, 366, size=int(late.sum()))
    w.birth = birth.astype(np.int64)
    big_city = np.isin(region, [0, 1])
    emp_p = np.where(
        (age >= 22) & (age < 60), np.where(big_city, 0.62, 0.45), np.where(age >= 60, 0.3, 0.0)
    )
    w.ins = np.where(rng.random(n_all) < emp_p, 0, 1).astype(np.int64)
    w.reserved = np.zeros(n_all, dtype=bool)
    w.pnum = rng.permutation(n_all).astype(np.int64) + 1

    # Addresses: one per household, one per nursing home.
    w.addresses = household_addresses(w, hh_region, n_hh)
    nh_addr = []
    for j, r in enumerate(home_region):
        place = cat.PLACE_WORDS[int(rng.integers(len(cat.PLACE_WORDS)))]
        kind = ("养老院", "颐养中心", "敬老院", "康养中心")[j % 4]
        nh_addr.append(f"海南省{cat.REGIONS[r].name}{place}{kind}{j + 1}号楼")
    w.extra["nursing_address"] = list(range(len(w.addresses), len(w.addresses) + len(homes)))
    w.addresses.extend(nh_addr)
    w.hh_address = np.concatenate(
        [np.arange(n_hh), np.array(w.extra["nursing_address"])[nh_home]]
    ).astype(np.int64)
    w.extra["n_households"] = n_hh

    _id_prefixes(w, age)
    _homes(w)


def household_addresses(w: World, hh_region: np.ndarray, n_hh: int) -> list[str]:
    k = bijection(np.arange(n_hh), 40 * 400 * 30 * 40, 1234 + w.seed % 1000)
    road = k % 40
    num = (k // 40) % 400 + 1
    bldg = (k // 16000) % 30 + 1
    room = (k // 480000) % 40
    room_no = (room // 8 + 1) * 100 + room % 8 + 1
    out = []
    for j in range(n_hh):
        city = cat.REGIONS[int(hh_region[j])].name
        out.append(
            f"海南省{city}{cat.ROADS[int(road[j])]}{int(num[j])}号{int(bldg[j])}栋{int(room_no[j])}室"
        )
    return out


def _id_prefixes(w: World, age: np.ndarray) -> None:
    rng = w.rng
    n = w.n
    migrant = (age >= 18) & (rng.random(n) < 0.09)
    u = rng.random(n)
    pref = []
    for p in range(n):
        if migrant[p]:
            pref.append(cat.MIGRANT_PREFIXES[int(u[p] * len(cat.MIGRANT_PREFIXES))])
        else:
            opts = cat.REGIONS[int(w.region[p])].id_prefixes
            pref.append(opts[int(u[p] * len(opts))])
    w.id_prefix = pref


def id_numbers(w: World) -> npt.NDArray[np.str_]:
    """Valid, unique 18-character resident ID numbers (odd sequence for men)."""
    rng = w.rng
    n = w.n
    births = (np.datetime64("1970-01-01") + w.birth.astype("timedelta64[D]")).astype(str)
    ymd = np.strings.replace(births, "-", "")
    seq = rng.integers(0, 500, size=n) * 2 + np.where(w.gender == 0, 1, 0)
    prefix = np.array(w.id_prefix)
    for _ in range(50):
        first = np.strings.add(np.strings.add(prefix, ymd), np.strings.zfill(seq.astype(str), 3))
        _, inv, cnt = np.unique(first, return_inverse=True, return_counts=True)
        dup = cnt[inv] > 1
        if not dup.any():
            break
        # Keep the first holder of each duplicated code, move the others on.
        order = np.argsort(inv, kind="stable")
        firsts = np.ones(n, dtype=bool)
        firsts[order[1:]] = inv[order[1:]] != inv[order[:-1]]
        move = dup & ~firsts
        seq[move] = (seq[move] + 2 * rng.integers(1, 499, size=int(move.sum()))) % 1000
    return np.strings.add(first, check_chars(first))


def _homes(w: World) -> None:
    """Each participant's usual clinic, pharmacy and county hospital (by region)."""
    rng = w.rng
    primary = np.concatenate([institutions_of(w, CLINIC), institutions_of(w, HOSPITAL, 1)])
    primary.sort()
    t, c = region_table(w, primary)
    w.home_clinic = pick_in_region(t, c, w.region, rng.random(w.n))
    t, c = region_table(w, institutions_of(w, PHARMACY_KIND))
    w.home_pharmacy = pick_in_region(t, c, w.region, rng.random(w.n))
    t, c = region_table(w, institutions_of(w, HOSPITAL, 2))
    w.home_hospital = pick_in_region(t, c, w.region, rng.random(w.n))


def phone_numbers(k: np.ndarray, salt: int) -> npt.NDArray[np.str_]:
    prefixes = np.array(
        [
            "130",
            "131",
            "132",
            "133",
            "135",
            "136",
            "137",
            "138",
            "139",
            "150",
            "151",
            "152",
            "155",
            "156",
            "157",
            "158",
            "159",
            "166",
            "176",
            "177",
            "178",
            "180",
            "181",
            "182",
            "183",
            "185",
            "186",
            "187",
            "188",
            "189",
            "198",
            "199",
        ]
    )
    kk = bijection(k, 32 * 10**8, salt)
    return np.strings.add(prefixes[kk % 32], np.strings.zfill((kk // 32).astype(str), 8))


def styled_phones(
    rng: np.random.Generator, phones: npt.NDArray[np.str_], rate: float
) -> np.ndarray:
    """Some phones as people type them: dashes, spaces, +86, full-width digits."""
    out = phones.astype(object)
    style = np.asarray(rng.random(phones.shape[0]), dtype=np.float64)
    for i in np.flatnonzero(style < rate):
        ph = str(phones[i])
        v = int(style[i] / rate * 4)
        if v == 0:
            out[i] = f"{ph[:3]}-{ph[3:7]}-{ph[7:]}"
        elif v == 1:
            out[i] = f"+86 {ph[:3]} {ph[3:7]} {ph[7:]}"
        elif v == 2:
            out[i] = ph.translate(FULL_WIDTH)
        else:
            out[i] = f" {ph} "
    return out.astype(str)


def styled_text(rng: np.random.Generator, values: npt.NDArray[np.str_], rate: float) -> np.ndarray:
    """Some values with full-width digits, outer spaces or other letter case."""
    out = values.astype(object)
    style = np.asarray(rng.random(values.shape[0]), dtype=np.float64)
    for i in np.flatnonzero(style < rate):
        v = str(values[i])
        m = int(style[i] / rate * 3)
        out[i] = v.translate(FULL_WIDTH) if m == 0 else (f"{v} " if m == 1 else v.upper())
    return out.astype(str)


def device_ids(k: np.ndarray, salt: int) -> npt.NDArray[np.str_]:
    kk = bijection(k, 16**12, salt)
    hexes = np.array([f"{int(x):012x}" for x in kk])
    return np.strings.add("a1", hexes)


def bank_accounts(k: np.ndarray, salt: int) -> npt.NDArray[np.str_]:
    kk = bijection(k, 10**13, salt)
    return np.strings.add("621700", np.strings.zfill(kk.astype(str), 13))


def build_identifiers(w: World) -> None:
    """Contact and payment facts, with household sharing and typing variants."""
    rng = w.rng
    n = w.n
    age = w.age()
    hh = w.household
    normal = w.nursing < 0
    head_of_hh = np.full(int(hh.max()) + 1, -1, dtype=np.int64)
    heads = np.flatnonzero(w.hh_role == ROLE_HEAD)
    head_of_hh[hh[heads]] = heads
    head = head_of_hh[hh]
    head = np.where(head < 0, np.arange(n), head)
    # address: everyone, the household's (nursing residents: the home's)
    addr = np.array(w.addresses)[w.hh_address[hh]]
    city = [cat.REGIONS[int(r)].name for r in w.region]
    addr = address_variants(w.seed, addr, city, w.hh_address[hh], ADDRESS_RESPELL)
    w.add_identifier(np.arange(n), ADDRESS, styled_text(rng, addr, 0.04))
    # phone: own for most adults; children and many elderly list the head's phone
    own_phone = ((age >= 14) & (rng.random(n) < np.where(age >= 75, 0.55, 0.95))) | (
        w.hh_role == ROLE_HEAD
    )
    own_phone &= normal
    phones = phone_numbers(np.arange(n), 97 + w.seed % 89)
    listed = np.where(own_phone, np.arange(n), head)
    has = own_phone | (own_phone[head] & normal & (head != np.arange(n)))
    p_idx = np.flatnonzero(has)
    w.add_identifier(p_idx, PHONE, styled_phones(rng, phones[listed[p_idx]], 0.06))
    # device: own for many adults; elderly often on the head's device
    own_dev = normal & (rng.random(n) < np.where((age >= 16) & (age <= 65), 0.6, 0.2))
    dev = device_ids(np.arange(n), 31 + w.seed % 53)
    borrow = normal & ~own_dev & (age >= 60) & own_dev[head] & (rng.random(n) < 0.45)
    p_idx = np.flatnonzero(own_dev | borrow)
    dlist = np.where(own_dev, np.arange(n), head)
    w.add_identifier(p_idx, DEVICE, styled_text(rng, dev[dlist[p_idx]], 0.05))
    # bank account: employees mostly own one; some spouses list the head's account
    own_bank = normal & (w.ins == 0) & (rng.random(n) < 0.75)
    own_bank |= normal & (w.hh_role == ROLE_HEAD) & (rng.random(n) < 0.4)
    banks = bank_accounts(np.arange(n), 77 + w.seed % 97)
    share_bank = normal & ~own_bank & (w.hh_role == ROLE_SPOUSE) & own_bank[head]
    share_bank &= rng.random(n) < 0.25
    p_idx = np.flatnonzero(own_bank | share_bank)
    blist = np.where(own_bank, np.arange(n), head)
    w.add_identifier(p_idx, BANK, banks[blist[p_idx]])
    # email: some younger adults
    has_mail = normal & (age >= 18) & (age <= 50) & (rng.random(n) < 0.22)
    p_idx = np.flatnonzero(has_mail)
    qq = 10_000_000 + bijection(p_idx, 890_000_000, 5 + w.seed % 7)
    mails = np.strings.add(qq.astype(str), "@qq.com")
    w.add_identifier(p_idx, EMAIL, styled_text(rng, mails, 0.03))
    shared_people = normal & ((has & ~own_phone) | borrow | share_bank)
    shares = np.zeros(int(w.extra["n_households"]), dtype=bool)
    shares[hh[shared_people]] = True
    w.extra["shares_in_household"] = shares
    w.extra["own_phone"] = own_phone
    w.extra["head"] = head


def build_family_links(w: World) -> None:
    """Registered 家庭共济: an employee head (or spouse) shares with close family."""
    rng = w.rng
    n_hh = int(w.extra["n_households"])
    hh = w.household
    members_by_hh = np.argsort(hh, kind="stable")
    bounds = np.searchsorted(hh[members_by_hh], np.arange(n_hh + 1))
    holder_of = np.full(w.n, -1, dtype=np.int64)
    register = rng.random(n_hh) < 0.6
    since = EPOCH_OFFSET - rng.integers(30, 1500, size=n_hh)
    for h in np.flatnonzero(register):
        ms = members_by_hh[bounds[h] : bounds[h + 1]]
        if ms.shape[0] < 2:
            continue
        emp = [m for m in ms[:2] if w.ins[m] == 0 and w.hh_role[m] in (ROLE_HEAD, ROLE_SPOUSE)]
        if not emp:
            continue
        holder = int(emp[0])
        for m in ms:
            m = int(m)
            if m == holder:
                continue
            r = int(w.hh_role[m])
            if r == ROLE_SPOUSE or (r == ROLE_HEAD and w.hh_role[holder] == ROLE_SPOUSE):
                rel = "spouse"
            elif r == ROLE_CHILD:
                rel = "child"
            elif r == ROLE_PARENT and w.hh_role[holder] == ROLE_HEAD:
                rel = "parent"
            else:
                continue  # in-laws are not eligible
            w.family.append((holder, m, rel, int(since[h])))
            holder_of[m] = holder
    w.extra["holder_of"] = holder_of
