"""Address parsers compared on Hainan spellings (issue #15): jionlp, cpca, our rules.

A labelled set is built from the generator's own way of writing addresses: canonical
flats in every Hainan city (with the district of Haikou and Sanya flats) and each one
re-spelled several times (``graphsvc.generate.spelling.respell``: province and suffixes
left out, 室 dropped, 幢/号楼, Chinese numerals, full-width digits). Measured per parser:

* division accuracy: the city-level unit (prefecture city, or the county-level city or
  county the province administers directly) found is the right one;
* flat agreement: all spellings of one flat give one key (the parser's division parts
  plus its detail text, NFKC; ours: :func:`graphsvc.contract.address.address_key`);
* speed per 100k addresses (jionlp timed on a sample and scaled), install size.

    .venv/bin/python benchmarks/bench_address.py --flats 2000 --spellings 5
"""

from __future__ import annotations

import argparse
import json
import logging
import site
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import OUT, machine
from graphsvc.contract.address import CITY_DISTRICTS, address_key, parse_address
from graphsvc.generate import catalog as cat
from graphsvc.generate.spelling import district_of, respell

log = logging.getLogger(__name__)
DIRECT = {c for c, ds in CITY_DISTRICTS.items() if not ds and c != "儋州市"}


# Spellings written by hand, not by the generator's rules (ours would be circular there).
HAND: tuple[tuple[str, str], ...] = (
    ("海南省海口市龙华区海秀路12号3栋201", "海口市"),
    ("海口龙华海秀路12号3栋201室", "海口市"),
    ("龙华区金贸西路9号", "海口市"),
    ("美兰区白龙南路55号2栋", "海口市"),
    ("三亚海棠湾镇迎宾路5号2幢1单元302", "三亚市"),
    ("三亚市吉阳区迎宾路8号", "三亚市"),
    ("崖州区崖城镇中心路3号", "三亚市"),
    ("陵水县椰林镇椰林路3号", "陵水黎族自治县"),
    ("琼中县营根镇新华路8号", "琼中黎族苗族自治县"),
    ("昌江县石碌镇人民路12号", "昌江黎族自治县"),
    ("白沙县牙叉镇中心大道1号", "白沙黎族自治县"),
    ("保亭县保城镇新兴路6号", "保亭黎族苗族自治县"),
    ("乐东抱由镇乐祥路2号", "乐东黎族自治县"),
    ("儋州那大镇中兴大街88号", "儋州市"),
    ("五指山市三月三大道1号", "五指山市"),
    ("琼海嘉积镇爱华路10号", "琼海市"),
    ("文昌文城镇文建路5号", "文昌市"),
    ("万宁市万城镇红专西路7号", "万宁市"),
    ("东方八所镇解放路9号", "东方市"),
    ("定安县定城镇见龙大道3号", "定安县"),
    ("屯昌屯城镇昌盛路1号", "屯昌县"),
    ("澄迈县金江镇文化北路4号", "澄迈县"),
    ("临高临城镇临城路2号", "临高县"),
    ("海南省三沙市西沙区永兴岛北京路1号", "三沙市"),
)


def labelled(flats: int, spellings: int, seed: int) -> list[tuple[str, str, str]]:
    """(written, canonical, city) triples."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(flats):
        city = cat.REGIONS[j % len(cat.REGIONS)].name
        road = cat.ROADS[int(rng.integers(len(cat.ROADS)))]
        num, bldg = int(rng.integers(1, 400)), int(rng.integers(1, 31))
        room = int(rng.integers(1, 7)) * 100 + int(rng.integers(1, 9))
        canonical = f"海南省{city}{road}{num}号{bldg}栋{room}室"
        district = district_of(city, j)
        for _ in range(spellings):
            out.append((respell(rng, canonical, city, district), canonical, city))
    return out


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def city_level(province: Any, city: Any, county: Any) -> str:
    """The key's city level from a parser's (province, city, county)."""
    town = "" if city is None or city != city else str(city)  # NaN != NaN: cpca's blanks
    county_name = "" if county is None or county != county else str(county)
    if county_name in DIRECT or county_name == "儋州市":
        return county_name
    return town


def hand_accuracy() -> dict[str, float]:
    """Division accuracy of each parser on :data:`HAND`."""
    import cpca  # type: ignore[import-untyped]  # no stubs; compared here, not a dependency
    import jionlp  # type: ignore[import-untyped]  # no stubs; compared here, not a dependency

    written = [w for w, _ in HAND]
    ours = sum(parse_address(w).city == c for w, c in HAND)
    jio = [jionlp.parse_location(w) for w in written]
    ji = sum(
        city_level(p["province"], p["city"], p["county"]) == c
        for p, (_, c) in zip(jio, HAND, strict=True)
    )
    df = cpca.transform(written)
    levels = [city_level(p, c, d) for p, c, d in zip(df["省"], df["市"], df["区"], strict=True)]
    cp = sum(lv == c for lv, (_, c) in zip(levels, HAND, strict=True))
    return {name: n / len(HAND) for name, n in (("ours", ours), ("jionlp", ji), ("cpca", cp))}


def run_ours(data: list[tuple[str, str, str]]) -> dict[str, Any]:
    raw = parse_address.__wrapped__  # uncached: the cache would flatter the speed
    t0 = time.perf_counter()
    parts = [raw(w) for w, _, _ in data]
    elapsed = time.perf_counter() - t0
    right = sum(p.city == c for p, (_, _, c) in zip(parts, data, strict=True))
    agree = sum(address_key(w) == address_key(canon) for w, canon, _ in data)
    return {"division_accuracy": right / len(data), "flat_agreement": agree / len(data)} | {
        "seconds_per_100k": elapsed / len(data) * 100_000
    }


def run_jionlp(data: list[tuple[str, str, str]], sample: int) -> dict[str, Any]:
    import jionlp  # type: ignore[import-untyped]  # no stubs; compared here, not a dependency

    sub = data[:sample]
    jionlp.parse_location(sub[0][0])  # dictionaries load on first use
    t0 = time.perf_counter()
    parsed = [jionlp.parse_location(w) for w, _, _ in sub]
    elapsed = time.perf_counter() - t0
    canon = {c: jionlp.parse_location(c) for _, c, _ in sub}

    def key(p: dict[str, Any]) -> str:
        lvl = city_level(p["province"], p["city"], p["county"])
        return f"{p['province']}{lvl}{_nfkc(p['detail'] or '')}"

    right = sum(
        city_level(p["province"], p["city"], p["county"]) == c
        for p, (_, _, c) in zip(parsed, sub, strict=True)
    )
    agree = sum(key(p) == key(canon[c]) for p, (_, c, _) in zip(parsed, sub, strict=True))
    return {
        "division_accuracy": right / len(sub),
        "flat_agreement": agree / len(sub),
        "seconds_per_100k": elapsed / len(sub) * 100_000,
        "sample": len(sub),
    }


def run_cpca(data: list[tuple[str, str, str]]) -> dict[str, Any]:
    import cpca  # type: ignore[import-untyped]  # no stubs; compared here, not a dependency

    written = [w for w, _, _ in data]
    cpca.transform(written[:10])
    t0 = time.perf_counter()
    df = cpca.transform(written)
    elapsed = time.perf_counter() - t0
    canon_df = cpca.transform([c for _, c, _ in data])

    def keys(frame: Any) -> list[str]:
        return [
            f"{p}{city_level(p, c, d)}{_nfkc(str(a or ''))}"
            for p, c, d, a in zip(frame["省"], frame["市"], frame["区"], frame["地址"], strict=True)
        ]

    levels = [city_level(p, c, d) for p, c, d in zip(df["省"], df["市"], df["区"], strict=True)]
    right = sum(lv == c for lv, (_, _, c) in zip(levels, data, strict=True))
    agree = sum(a == b for a, b in zip(keys(df), keys(canon_df), strict=True))
    return {
        "division_accuracy": right / len(data),
        "flat_agreement": agree / len(data),
        "seconds_per_100k": elapsed / len(data) * 100_000,
    }


def installed_mb(*names: str) -> float:
    root = Path(site.getsitepackages()[0])
    total = 0
    for name in names:
        for path in root.glob(name):
            files = [path] if path.is_file() else list(path.rglob("*"))
            total += sum(f.stat().st_size for f in files if f.is_file())
    return round(total / 1e6, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flats", type=int, default=2000)
    ap.add_argument("--spellings", type=int, default=5)
    ap.add_argument("--jionlp-sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = labelled(args.flats, args.spellings, args.seed)
    result = {
        "machine": machine(),
        "addresses": len(data),
        "ours": run_ours(data) | {"installed_mb": 0.0},
        "jionlp": run_jionlp(data, args.jionlp_sample)
        | {"installed_mb": installed_mb("jionlp", "jiojio", "zipfile36*")},
        "cpca": run_cpca(data) | {"installed_mb": installed_mb("cpca", "ahocorasick*")},
        "hand_division_accuracy": hand_accuracy(),
        "hand_addresses": len(HAND),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_address.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log.info("%s", json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
