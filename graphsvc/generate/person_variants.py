"""Person-record variants of issue #15: one person on two records, and two people alike.

Record linkage (``graphsvc.detection.linkage``) must link the first and keep the
second apart, so the generator plants both, with ground truth:

* ``moved_record`` (benign group): a person re-keyed after a move -- a new participant
  record with the same ID number, the name written another way (王 伟, 王偉), the
  same phone and the new flat's address; the old record stops settling before the
  new one starts (duplicate_enrolment's exemption ``rekeyed_after_move``).
* ``mistyped_id`` (ring ``duplicate_enrolment``): a second enrolment with a mistyped
  ID number -- a wrong sequence digit, or two birth-date digits swapped in both the
  number and the birth date -- a name variant (spacing, a variant character, a
  homophone), the same phone and the same flat spelled another way; both records
  settle in the same months.
* ``lookalike`` (benign group): two different people of one common name, sex and
  birth date, in different regions, with their own phones and addresses.
* ``twins`` (benign group): two children of one household born the same day: one
  surname, birth date, address and often phone; different given names and numbers.

Own random stream (``default_rng([seed, 15, 1])``), called after every other ring and
look-alike and giving back the people it reserved, so no other typology's output
shifts. Names and ID numbers are decided when the tables are written
(:func:`apply_names`, :func:`apply_id_numbers`), after the writer drew them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graphsvc.generate.idnumber import check_char
from graphsvc.generate.rings import _add_ring
from graphsvc.generate.spelling import respell
from graphsvc.generate.truth import BenignGroup
from graphsvc.generate.world import (
    ADDRESS,
    DAYS,
    OUTPATIENT,
    PHONE,
    SRC_BENIGN,
    SRC_RING,
    World,
)

# how a clerk writes a name another way: traditional / variant forms, homophones
VARIANT_OF: dict[str, str] = {
    "张": "張", "刘": "劉", "陈": "陳", "杨": "楊", "黄": "黃", "赵": "趙", "吴": "吳",
    "孙": "孫", "马": "馬", "罗": "羅", "郑": "鄭", "谢": "謝", "冯": "馮", "邓": "鄧",
    "韩": "韓", "许": "許", "钟": "鍾", "伟": "偉", "静": "靜", "丽": "麗", "强": "強",
    "军": "軍", "艳": "艷", "杰": "傑", "涛": "濤", "刚": "剛", "华": "華", "兰": "蘭",
    "国": "國", "红": "紅", "阳": "陽", "峰": "峯", "荣": "榮", "鹏": "鵬", "晓": "曉",
    "东": "東",
}  # fmt: skip
HOMOPHONE_OF: dict[str, str] = {
    "伟": "玮", "芳": "方", "敏": "民", "静": "靖", "丽": "莉", "磊": "蕾", "军": "君",
    "洋": "阳", "勇": "咏", "杰": "洁", "娟": "涓", "明": "铭", "超": "潮", "平": "萍",
    "英": "瑛", "华": "桦", "文": "雯", "玉": "钰", "海": "亥", "志": "智", "红": "虹",
    "梅": "玫", "琳": "林", "宇": "雨", "浩": "昊", "欣": "鑫", "怡": "仪", "婷": "亭",
    "晨": "辰", "亮": "谅", "峰": "锋", "波": "博", "春": "纯", "德": "得", "清": "青",
    "燕": "艳", "慧": "惠", "佳": "家", "俊": "骏", "鹏": "朋", "晓": "筱", "东": "冬",
}  # fmt: skip
COMMON_NAMES = ("王伟", "张伟", "李娜", "刘洋", "王芳", "李静", "张敏", "王磊", "陈静", "李强")


def variants_rng(w: World) -> np.random.Generator:
    rng: np.random.Generator = w.extra.setdefault(
        "rng_person_variants", np.random.default_rng([w.seed, 15, 1])
    )
    return rng


def name_variant(rng: np.random.Generator, name: str, how: str) -> str:
    """``name`` as another clerk writes it: ``space``, ``variant`` or ``homophone``.

    >>> r = np.random.default_rng(0)
    >>> name_variant(r, "王伟", "space"), name_variant(r, "王伟", "variant")
    ('王 伟', '王偉')
    >>> name_variant(r, "王伟", "homophone")
    '王玮'
    """
    if how == "variant":
        at = [j for j, c in enumerate(name) if c in VARIANT_OF]
        if at:
            j = at[int(rng.integers(0, len(at)))]
            return name[:j] + VARIANT_OF[name[j]] + name[j + 1 :]
    if how == "homophone":
        at = [j for j, c in enumerate(name) if j > 0 and c in HOMOPHONE_OF]
        if at:
            j = at[int(rng.integers(0, len(at)))]
            return name[:j] + HOMOPHONE_OF[name[j]] + name[j + 1 :]
    return name[:1] + " " + name[1:]


def _count(w: World) -> int:
    return max(4, round(float(variants_rng(w).uniform(6, 10)) * w.scale))


def _group(w: World, kind: str, members: list[Any], description: str) -> None:
    counts: dict[str, int] = w.extra.setdefault("group_counts", {})
    n = counts[kind] = counts.get(kind, 0) + 1
    w.truth.benign_groups.append(BenignGroup(f"BG-{kind}-{n:05d}", kind, members, description))


def _quiet(w: World) -> np.ndarray:
    """Adults who settle nothing yet, unreserved, with no registered family link."""
    s = w.settlements.concat()
    settles = np.zeros(w.n, dtype=bool)
    settles[s["pat"]] = True
    linked = np.zeros(w.n, dtype=bool)
    linked[[x for h, m, _, _ in w.family for x in (h, m)]] = True
    ok = ~settles & ~w.reserved & ~linked & (w.nursing < 0) & (w.age() >= 20) & (w.age() <= 75)
    return np.flatnonzero(ok)


def _pair(
    w: World, pool: np.ndarray, other_region: bool, same_age: bool = False
) -> tuple[int, int] | None:
    rng = variants_rng(w)
    pool = pool[~w.reserved[pool]]
    if pool.shape[0] < 2:
        return None
    for _ in range(20):  # a first record with no partner of its kind: draw another
        a = int(rng.choice(pool))
        # the second record takes the first's birth date and sex: when it settles
        # nothing yet no stage before has chosen it by age
        same = pool[(pool != a) & (w.household[pool] != w.household[a])]
        if same_age:  # people who settle: no one's age group may change
            same = same[(w.age(same) == w.age(a)) & (w.gender[same] == w.gender[a])]
        if other_region:
            same = same[w.region[same] != w.region[a]]
        if same.shape[0]:
            b = int(rng.choice(same))
            w.reserved[[a, b]] = True
            return a, b
    return None


def _first_phones(w: World) -> dict[int, str]:
    """Each participant's first listed phone (as the writer will list it)."""
    out: dict[int, str] = {}
    for pp, kk, vv in w.identifiers:
        for q, v in zip(pp[kk == PHONE].tolist(), vv[kk == PHONE].tolist(), strict=True):
            out.setdefault(int(q), str(v))
    return out


def _drop_identifiers(w: World, p: int, kinds: tuple[int, ...] | None = None) -> None:
    """The record's own contact facts go: it is the other record's person."""
    kept = []
    for pp, kk, vv in w.identifiers:
        drop = pp == p
        if kinds is not None:
            drop &= np.isin(kk, kinds)
        kept.append((pp[~drop], kk[~drop], vv[~drop]) if drop.any() else (pp, kk, vv))
    w.identifiers[:] = kept


def _settle(w: World, p: int, days: np.ndarray, src: int) -> None:
    rng = variants_rng(w)
    clinic = int(w.home_clinic[p])
    w.settlements.add(
        np.full(days.shape[0], p),
        clinic,
        days,
        OUTPATIENT,
        0,
        doc=w.doctor_at(np.full(days.shape[0], clinic), rng.random(days.shape[0])),
        src=src,
    )


def _copy_person(w: World, record: int, original: int) -> None:
    w.birth[record] = w.birth[original]
    w.gender[record] = w.gender[original]
    w.id_prefix[record] = w.id_prefix[original]
    w.extra.pop("age", None)


def build(w: World) -> None:
    """Every shape, ``_count`` times each (at least 4, so a 2k province has them all)."""
    rng = variants_rng(w)
    reserved = w.reserved.copy()
    plan: list[dict[str, Any]] = w.extra.setdefault("person_variants", [])
    hows = ("space", "variant", "homophone")
    phones = _first_phones(w)
    quiet = _quiet(w)
    for _ in range(_count(w)):
        got = _pair(w, quiet, other_region=False)
        if got is None:
            break
        old, new = got
        _copy_person(w, new, old)
        w.extra.setdefault("same_id", []).append((new, old))
        _drop_identifiers(w, new, (PHONE,))
        if old in phones:
            w.add_identifier(np.array([new]), PHONE, phones[old])
        move = int(rng.integers(60, DAYS - 60))
        _settle(
            w, old, np.sort(rng.integers(0, move - 5, size=int(rng.integers(2, 6)))), SRC_BENIGN
        )
        _settle(w, new, np.sort(rng.integers(move, DAYS, size=int(rng.integers(2, 6)))), SRC_BENIGN)
        plan.append(
            {"shape": "moved_record", "a": old, "b": new, "how": hows[int(rng.integers(0, 2))]}
        )
        _group(
            w,
            "moved_record",
            [w.mp(old, "old_record"), w.mp(new, "new_record")],
            f"{w.pid(old)} re-keyed as {w.pid(new)} after a move on day {move}",
        )
    for _ in range(_count(w)):
        got = _pair(w, quiet, other_region=True)
        if got is None:
            break
        a, b = got
        _copy_person(w, b, a)
        typo = "birth" if rng.random() < 0.35 else "sequence"
        if typo == "birth":
            w.birth[b] = _birth_typo(rng, int(w.birth[a]))
        _drop_identifiers(w, b)
        if a in phones:
            w.add_identifier(np.array([b]), PHONE, phones[a])
        w.add_identifier(np.array([b]), ADDRESS, _respelled(w, a))
        months = np.sort(rng.choice(12, size=int(rng.integers(3, 8)), replace=False))
        for p in (a, b):
            _settle(
                w,
                p,
                np.clip(months * 30 + rng.integers(0, 28, size=months.shape[0]), 0, DAYS - 1),
                SRC_RING,
            )
        plan.append(
            {
                "shape": "mistyped_id",
                "a": a,
                "b": b,
                "how": hows[int(rng.integers(0, 3))],
                "typo": typo,
            }
        )
        _add_ring(
            w,
            "duplicate_enrolment",
            [w.mp(a, "duplicate_record"), w.mp(b, "duplicate_record")],
            f"{w.pid(a)} enrolled again as {w.pid(b)} with a mistyped ID number ({typo}) and "
            f"both settle in {months.shape[0]} months",
            "mistyped_id",
        )
    _lookalikes(w, plan)
    _twins(w, plan)
    w.reserved[:] = reserved


def _birth_typo(rng: np.random.Generator, birth: int) -> int:
    """Two digits of the day swapped (12 -> 21) where that is a date, else a day one off."""
    d = np.datetime64("1970-01-01") + np.timedelta64(birth, "D")
    text = str(d)
    day = text[8:]
    swapped = day[::-1]
    if swapped != day and 1 <= int(swapped) <= 28:
        got = np.datetime64(text[:8] + swapped)
        return int((got - np.datetime64("1970-01-01")).astype(int))
    return birth + (1 if rng.random() < 0.5 or day == "01" else -1)


def _lookalikes(w: World, plan: list[dict[str, Any]]) -> None:
    rng = variants_rng(w)
    pool = np.flatnonzero(~w.reserved & (w.nursing < 0) & (w.age() >= 20) & (w.age() <= 75))
    for _ in range(_count(w)):
        got = _pair(w, pool, other_region=True, same_age=True)
        if got is None:
            break
        a, b = got
        w.birth[b] = w.birth[a]
        w.extra.pop("age", None)
        name = COMMON_NAMES[int(rng.integers(0, len(COMMON_NAMES)))]
        plan.append({"shape": "lookalike", "a": a, "b": b, "name": name})
        _group(
            w,
            "lookalike",
            [w.mp(a, "person"), w.mp(b, "person")],
            f"{w.pid(a)} and {w.pid(b)}: two people named {name}, born the same day",
        )


def _twins(w: World, plan: list[dict[str, Any]]) -> None:
    from graphsvc.generate.population import ROLE_CHILD

    rng = variants_rng(w)
    kids = np.flatnonzero((w.hh_role == ROLE_CHILD) & ~w.reserved & (w.nursing < 0))
    hh, counts = np.unique(w.household[kids], return_counts=True)
    homes = hh[counts >= 2]
    homes = rng.permutation(homes)[: _count(w)]
    for h in homes:
        a, b = (int(x) for x in np.sort(kids[w.household[kids] == h])[:2])
        w.reserved[[a, b]] = True
        w.birth[b] = w.birth[a]
        w.id_prefix[b] = w.id_prefix[a]
        w.extra.pop("age", None)
        plan.append({"shape": "twins", "a": a, "b": b})
        _group(
            w,
            "twins",
            [w.mp(a, "twin"), w.mp(b, "twin")],
            f"{w.pid(a)} and {w.pid(b)}: twins of one household",
        )


def apply_names(w: World, names: np.ndarray) -> None:
    """Names of the planted records, once the writer has drawn everyone's."""
    rng = np.random.default_rng([w.seed, 15, 2])
    for record, original in w.extra.get("same_id", ()):  # one person: one name
        names[record] = names[original]
    for v in w.extra.get("person_variants", ()):
        a, b = int(v["a"]), int(v["b"])
        if v["shape"] in ("moved_record", "mistyped_id"):
            names[b] = name_variant(rng, str(names[a]), str(v["how"]))
        elif v["shape"] == "lookalike":
            names[a] = names[b] = v["name"]
        elif v["shape"] == "twins" and names[a][1:] == names[b][1:]:
            names[b] = names[b][0] + ("晨" if names[a][1:] != "晨" else "阳")


def apply_id_numbers(w: World, idn: np.ndarray) -> None:
    """The mistyped numbers: a wrong sequence digit, or the typo'd birth date inside."""
    rng = np.random.default_rng([w.seed, 15, 3])
    for v in w.extra.get("person_variants", ()):
        if v["shape"] != "mistyped_id":
            continue
        a, b = int(v["a"]), int(v["b"])
        src = str(idn[a])
        if v["typo"] == "birth":
            first = src[:6] + str(idn[b])[6:14] + src[14:17]
        else:
            j = 14 + int(rng.integers(0, 2))  # the sex digit (16) stays
            digit = str((int(src[j]) + int(rng.integers(1, 10))) % 10)
            first = src[:j] + digit + src[j + 1 : 17]
        idn[b] = first + check_char(first)


def _respelled(w: World, p: int) -> str:
    """``p``'s flat written another way (the generator's address spellings)."""
    from graphsvc.generate import catalog as cat
    from graphsvc.generate.spelling import district_of

    canonical = w.addresses[int(w.hh_address[w.household[p]])]
    city = cat.REGIONS[int(w.region[p])].name
    return respell(variants_rng(w), canonical, city, district_of(city, int(w.household[p])))
