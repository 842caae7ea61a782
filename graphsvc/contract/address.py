"""Chinese addresses as people write them, parsed into parts and keyed (issue #15).

Why: one flat is written "海南省海口市龙华区海秀路12号3栋201" on one record and
"海口龙华海秀路12号3栋201室" on the next. Compared as text these are two identifiers,
so the household splits in two and a ring hides behind spelling. The key built here
is the same for both, and the Identifier id is built from it
(:func:`graphsvc.contract.normalise.normalise_identifier`, before any pseudonymisation).

Why rules of our own rather than ``jionlp.parse_location`` or ``cpca`` (compared in
``benchmarks/bench_address.py`` and docs/loading.md): the key must be exact and fast on
every identifier row of a load, and offline. jionlp takes ~5 ms per address (8 minutes
per 100k rows), weighs ~220 MB with its dictionaries, and reads "三亚海棠湾镇" as
海棠区 + "湾镇"; cpca reads "陵水县" and "琼中县" as 重庆市's 县. Neither normalises the
part below the road (栋/幢/号楼, 单元, 室, Chinese numerals), which is where two
spellings of one flat differ most. Hainan's divisions are few and stable, so they are
listed here with their short forms.

Key levels: ``room`` (the flat: households), ``unit``, ``building`` (a care home or a
dormitory block: one building holds many households, so it never explains a household).
The county (区/县 of a prefecture city) is kept in the parts but left out of the key:
door numbers are assigned along a road within the city, so city + road + number already
place the flat, and the county is the part people leave out most often.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Level = Literal["room", "unit", "building"]

PROVINCE = "海南省"
PROVINCE_FORMS: tuple[str, ...] = ("海南省", "海南")

# Prefecture-level cities with their districts, and county-level units administered by the
# province directly (县级市, 县, 自治县): both are the "city" level of the key.
CITY_DISTRICTS: dict[str, tuple[str, ...]] = {
    "海口市": ("秀英区", "龙华区", "琼山区", "美兰区"),
    "三亚市": ("海棠区", "吉阳区", "天涯区", "崖州区"),
    "三沙市": ("西沙区", "南沙区"),
    "儋州市": (),
    "五指山市": (),
    "琼海市": (),
    "文昌市": (),
    "万宁市": (),
    "东方市": (),
    "定安县": (),
    "屯昌县": (),
    "澄迈县": (),
    "临高县": (),
    "白沙黎族自治县": (),
    "昌江黎族自治县": (),
    "乐东黎族自治县": (),
    "陵水黎族自治县": (),
    "保亭黎族苗族自治县": (),
    "琼中黎族苗族自治县": (),
}

_SUFFIXES = ("黎族苗族自治县", "黎族自治县", "市", "县", "区")


def short_form(name: str) -> str:
    """A division's name without its 市/县/区 (or 黎族自治县) suffix: 陵水黎族自治县 → 陵水."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _forms(name: str) -> list[tuple[str, bool]]:
    """(written form, is a bare short form) of a division: full, short + 县/市/区, short."""
    short = short_form(name)
    out = [(name, False)]
    if short != name:
        tail = "县" if name.endswith("自治县") else name[-1]
        if short + tail != name:
            out.append((short + tail, False))
        out.append((short, True))
    return out


def _table(names: dict[str, str]) -> list[tuple[str, str, bool]]:
    rows = [(form, canon, bare) for canon in names for form, bare in _forms(canon)]
    return sorted(rows, key=lambda r: -len(r[0]))  # longest first: 五指山市 before 五指山


CITY_FORMS = _table({c: c for c in CITY_DISTRICTS})
DISTRICT_CITY = {d: c for c, ds in CITY_DISTRICTS.items() for d in ds}
DISTRICT_FORMS = _table({d: d for d in DISTRICT_CITY})

# A bare short form (no 市/县/区) followed by this is the start of a longer place name
# ("海棠湾镇" is a town, not 海棠区 + "湾镇"; "东方红路" is a road, not 东方市 + "红路").
_NOT_AFTER_BARE = re.compile(r"^(?:[湾镇乡村]|.?(?:路|街|道|巷))")

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|栋|幢|座|单元|室|房|楼|层|$)")
_SPACE = re.compile(r"[\s,，、·]+")
_WS = re.compile(r"\s+")
_DETAIL = re.compile(
    r"^(?P<road>.*?)"
    r"(?:(?P<number>\d+(?:-\d+)?)号(?!楼))?"
    r"(?:(?P<building>\d+|[a-z])(?:栋|幢|座|号楼|楼(?=\d)))?"
    r"(?:(?P<unit>\d+)单元)?"
    r"(?:(?P<room>\d+)(?:室|房|号房|号)?)?$"
)


def chinese_number(text: str) -> int:
    """Value of a Chinese numeral as written in addresses (digit by digit or with 十百千).

    >>> [chinese_number(t) for t in ("三", "十二", "二〇一", "三百零五")]
    [3, 12, 201, 305]
    """
    if not any(c in _CN_UNITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[c]
            digit = 0
        else:
            digit = _CN_DIGITS[c]
    return total + digit


@dataclass(frozen=True)
class Address:
    """The parts of one address; empty strings for parts not written."""

    province: str
    city: str
    county: str
    road: str
    number: str
    building: str
    unit: str
    room: str

    def key(self, level: Level = "room") -> str:
        """Canonical text of the address down to ``level`` (county left out, see module).

        >>> parse_address("海口龙华海秀路12号3栋2单元201").key("building")
        '海南省海口市海秀路12号3栋'
        """
        parts = [self.province, self.city, self.road]
        if self.number:
            parts.append(self.number + "号")
        if self.building:
            parts.append(self.building + "栋")
        if level in ("unit", "room") and self.unit:
            parts.append(self.unit + "单元")
        if level == "room" and self.room:
            parts.append(self.room + "室")
        return "".join(parts)


def _prefix(text: str, table: list[tuple[str, str, bool]]) -> tuple[str, str]:
    for form, canon, bare in table:
        if text.startswith(form):
            rest = text[len(form) :]
            if bare and _NOT_AFTER_BARE.match(rest):
                continue
            return canon, rest
    return "", text


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = _SPACE.sub("", text)
    return _CN_NUM.sub(lambda m: str(chinese_number(m.group(0))), text)


@lru_cache(maxsize=65536)
def parse_address(text: str) -> Address:
    """Parts of an address in Hainan; outside Hainan only the cleaned text, as ``road``.

    >>> a = parse_address("海南省海口市龙华区海秀路12号3栋201")
    >>> a.city, a.county, a.road, a.number, a.building, a.room
    ('海口市', '龙华区', '海秀路', '12', '3', '201')
    >>> parse_address("海口龙华海秀路１２号三幢201室") == a
    True
    >>> parse_address("海口龙华海秀路12号三幢二〇一") == a
    True
    >>> parse_address("陵水县椰林路3号").city, parse_address("三亚海棠湾镇迎宾路5号").road
    ('陵水黎族自治县', '海棠湾镇迎宾路')
    >>> parse_address("湖南省 长沙市芙蓉区五一大道８号").key()
    '湖南省 长沙市芙蓉区五一大道8号'
    """
    rest = _clean(text)
    province = ""
    for form in PROVINCE_FORMS:
        if rest.startswith(form):
            province, rest = PROVINCE, rest[len(form) :]
            break
    city, rest = _prefix(rest, CITY_FORMS)
    county, after = _prefix(rest, DISTRICT_FORMS)
    if county and (not city or DISTRICT_CITY[county] == city):
        city, rest = DISTRICT_CITY[county], after
    else:
        county = ""
    if not city:
        # Not recognised as Hainan: no parts, the cleaned text is the key (as before #15:
        # NFKC, inner whitespace collapsed, lower case).
        plain = _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()
        return Address("", "", "", plain, "", "", "", "")
    province = PROVINCE
    m = _DETAIL.match(rest)
    if m is None:  # pragma: no cover - every group is optional and the road takes the rest
        return Address(province, city, county, rest, "", "", "", "")
    building = m.group("building") or ""
    return Address(
        province,
        city,
        county,
        m.group("road"),
        m.group("number") or "",
        building,
        m.group("unit") or "",
        m.group("room") or "",
    )


def address_key(text: str, level: Level = "room") -> str:
    """The matching form of an address at ``level``; idempotent on its own output.

    >>> address_key("海南省海口市龙华区海秀路12号3栋201")
    '海南省海口市海秀路12号3栋201室'
    >>> address_key("海口龙华海秀路12号3栋201室")
    '海南省海口市海秀路12号3栋201室'
    >>> address_key(address_key("琼中县营根镇新华路八号")) == address_key("琼中营根镇新华路8号")
    True
    """
    return parse_address(text).key(level)
