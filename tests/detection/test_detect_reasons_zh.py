"""Chinese reasons: every English reason has a Chinese twin with the same numbers."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from graphsvc.detection import DetectConfig, from_csv_dir, run_detectors
from graphsvc.detection.io import ring_rows
from graphsvc.detection.rings import TYPOLOGIES, TYPOLOGY_ZH, Member, Reasons, Ring
from graphsvc.detection.runner import absorb

DIGITS = re.compile(r"\d+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def numbers(text: str) -> Counter[str]:
    """Digit runs: counts, dates, ¥ amounts (thousands separators split them alike in both
    languages), shares, chances like 1e-12, and the digits of ids and masked values."""
    return Counter(DIGITS.findall(text))


def test_every_reason_has_a_chinese_twin_with_the_same_numbers(province_dir: Path) -> None:
    rings = run_detectors(from_csv_dir(province_dir), DetectConfig()).rings
    assert {r.typology for r in rings} == set(TYPOLOGIES), "a typology found no ring"
    for ring in rings:
        doc = ring.to_json()
        assert len(doc["reasons_zh"]) == len(doc["reasons"]) > 0, ring.ring_id
        for en, zh in zip(doc["reasons"], doc["reasons_zh"], strict=True):
            assert CJK.search(zh), (ring.ring_id, zh)
            assert not CJK.search(en), (ring.ring_id, en)
            assert numbers(zh) == numbers(en), (ring.ring_id, en, zh)
            assert DIGITS.search(zh) or "登记的亲属关系" in zh, zh  # checkable figures
        # Amounts and masked identifiers are quoted identically, character for character.
        quoted = re.compile(r"¥[\d,]+\.\d\d|\*+[0-9a-zA-Z]{4}|\d+e-\d+")
        assert Counter(quoted.findall(" ".join(doc["reasons_zh"]))) == Counter(
            quoted.findall(" ".join(doc["reasons"]))
        )
    row = ring_rows(rings[:1], "run-x", DetectConfig(), "2026-01-01T00:00:00Z")[0]
    assert row["reasons_zh"] == rings[0].reasons_zh


def test_typology_names_match_the_pages() -> None:
    from graphsvc.web.i18n import TEXTS

    assert {t: TEXTS["zh"][f"typology.{t}"] for t in TYPOLOGIES} == TYPOLOGY_ZH


def _ring(typology: str, ids: list[str], reasons: Reasons | None, ring_id: str) -> Ring:
    members = [Member("participant", i, "member") for i in ids]
    en = reasons.en if reasons else [f"{len(ids)} participants"]
    zh = reasons.zh if reasons else []
    return Ring(typology, members, list(en), 9.0, 1, 0.0, ring_id=ring_id, reasons_zh=list(zh))


def test_absorbed_ring_brings_its_chinese_reasons() -> None:
    big, small = Reasons(), Reasons()
    big.add("5 participants came together", "5名参保人同日就诊")
    small.add("3 stays readmitted", "3次住院为再次入院")
    host = _ring("organised_visits", ["A", "B", "C", "D", "E"], big, "ov-1")
    guest = _ring("split_hospitalisation", ["A", "B", "C"], small, "sh-2")
    (kept,) = absorb([host, guest])
    assert kept.reasons == [
        "5 participants came together",
        "also split hospitalisation (ring sh-2):",
        "3 stays readmitted",
    ]
    assert kept.reasons_zh == [
        "5名参保人同日就诊",
        "同时存在分解住院情形（团伙 sh-2）：",
        "3次住院为再次入院",
    ]


def test_absorbing_a_ring_without_chinese_falls_back_to_english() -> None:
    big = Reasons()
    big.add("5 participants came together", "5名参保人同日就诊")
    host = _ring("organised_visits", ["A", "B", "C", "D", "E"], big, "ov-1")
    guest = _ring("split_hospitalisation", ["A", "B", "C"], None, "sh-2")
    (kept,) = absorb([host, guest])
    assert len(kept.reasons) == 3 and kept.reasons_zh == []  # pages then show English
