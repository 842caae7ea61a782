"""Every evidence detail detection writes on the demo province is stored with its Chinese
twin and said in Chinese, and each typology's ring page parts come out of the store."""

from __future__ import annotations

import re

from graphsvc.config import Settings
from graphsvc.services import explore
from graphsvc.services.explore.ring_charts import ring_charts
from graphsvc.store import open_store
from viz.evidence_text import detail_text

ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{3,}\b")
# a masked identifier ends in hex digits of a keyed hash: ``********bfbc`` is a value, not a word
MASKED = re.compile(r"\*+[0-9a-f]+")


def test_every_detail_of_every_ring_has_a_chinese_sentence(detected_settings: Settings) -> None:
    store = open_store(detected_settings, start=False)
    try:
        rings = explore.list_rings(store, per_page=500)["rings"]
        left: dict[str, str] = {}
        untwinned: dict[str, str] = {}
        typologies = set()
        for summary in rings:
            ring = explore.ring_detail(store, summary["id"])
            typologies.add(ring["typology"])
            for ev in ring["evidence"]:
                # a new run stores each detail's Chinese twin (Evidence.said): none is
                # left for viz.evidence_text to parse back from the English
                if not ev.get("detail_zh"):
                    untwinned.setdefault(ev["type"], str(ev.get("detail")))
                zh = detail_text(ev["type"], ev.get("detail"), "zh", ev.get("detail_zh"))
                said = MASKED.sub("", zh)
                # identifiers (P0000001, XR03...) are not words; item codes are letters+digits
                words = [w for w in ENGLISH_WORDS.findall(said) if not re.search(r"\d", w)]
                if words:
                    left.setdefault(ev["type"], str(ev.get("detail")))
    finally:
        store.close()
    assert len(typologies) >= 8
    assert untwinned == {}
    assert left == {}


def test_charts_come_from_the_rings_members(detected_settings: Settings) -> None:
    store = open_store(detected_settings, start=False)
    try:
        rings = explore.list_rings(store, per_page=500)["rings"]
        by_type: dict[str, dict[str, object]] = {}
        for r in rings:
            by_type.setdefault(r["typology"], r)
        seen = 0
        for typology in ("organised_visits", "ghost_hospitalisation", "split_hospitalisation"):
            ring = by_type.get(typology)
            if ring is None:
                continue
            charts = ring_charts(store, str(ring["id"]), typology)
            members = {m["id"] for m in ring["members"] if m["kind"] == "participant"}
            if typology == "organised_visits":
                heat = charts["heatmap"]
                assert heat["dates"] and set(heat["people"]) <= members
            else:
                line = charts["timeline"]
                assert line["stays"] and set(line["people"]) <= members
                if typology == "ghost_hospitalisation":
                    assert line["outside"], "a ghost ring without settlements elsewhere"
            seen += 1
        assert seen >= 2
        assert ring_charts(store, str(rings[0]["id"]), "card_lending") == {}
    finally:
        store.close()
