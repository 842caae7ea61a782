"""Addresses re-spelled per record the way people write them (issue #15).

Why: a real export writes one flat as "海南省海口市龙华区海秀路12号3栋201室" on one record
and "海口龙华海秀路12号三栋201" on the next. The generator writes such variants so
the loader's address key (:mod:`graphsvc.contract.address`) is tested end to end: a
household whose members spell their address differently must still be one identifier.
Variants are drawn from their own generator, so adding them reshuffles no other stage.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from graphsvc.contract.address import CITY_DISTRICTS, PROVINCE, short_form

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CN_DIGITS = "〇一二三四五六七八九"
_BUILDING = re.compile(r"(\d+)栋")
_ROOM = re.compile(r"(\d+)室$")


def _cn(number: str) -> str:
    """Chinese numerals as written on doors: 3 → 三, 12 → 十二, 201 → 二〇一."""
    n = int(number)
    if 10 <= n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return "".join(CN_DIGITS[int(d)] for d in number)


def district_of(city: str, household: int) -> str:
    """A district of ``city`` for one household ("" for cities without districts)."""
    districts = CITY_DISTRICTS.get(city, ())
    return districts[household % len(districts)] if districts else ""


def respell(rng: np.random.Generator, canonical: str, city: str, district: str) -> str:
    """One way of writing ``canonical`` ("海南省<city><road>12号3栋201室")."""
    body = canonical.removeprefix(PROVINCE).removeprefix(city)
    u = rng.random(8)
    short = short_form(city)
    city_form = city if u[0] >= 0.5 else short if u[0] < 0.35 or short == city else short + "县"
    if not city.endswith("县") and city_form.endswith("县"):
        city_form = short
    county = ""
    if district and u[1] < 0.6:
        county = short_form(district) if u[2] < 0.5 else district
    if u[3] < 0.25:
        body = _BUILDING.sub(lambda m: m.group(1) + ("幢" if u[4] < 0.5 else "号楼"), body)
    if u[5] < 0.5:
        body = _ROOM.sub(r"\1", body)  # 室 left out
    elif u[5] < 0.7:
        body = _ROOM.sub(lambda m: _cn(m.group(1)) + "室", body)
    if u[6] < 0.3:
        body = _BUILDING.sub(lambda m: _cn(m.group(1)) + "栋", body)
    text = ("" if u[7] < 0.5 else PROVINCE) + city_form + county + body
    return text.translate(FULL_WIDTH) if u[4] > 0.85 else text


def address_variants(
    seed: int,
    canonical: npt.NDArray[np.str_],
    city: list[str],
    household: npt.NDArray[np.int64],
    rate: float,
) -> npt.NDArray[np.str_]:
    """``canonical`` with a share ``rate`` of the records re-spelled (:func:`respell`)."""
    rng = np.random.default_rng([seed, 15])
    out = canonical.astype(object)
    pick = np.flatnonzero(rng.random(canonical.shape[0]) < rate)
    for i in pick:
        c = city[i]
        out[i] = respell(rng, str(canonical[i]), c, district_of(c, int(household[i])))
    return out.astype(str)
