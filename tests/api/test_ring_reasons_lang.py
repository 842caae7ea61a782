"""Ring pages pick the reasons of the page language; rings of older runs (no Chinese
reasons) show English on the Chinese pages. Real embedded store, seeded graph."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graphsvc.store import Store

EN = "2 participants share phone 138****5678"
ZH = "2名参保人共用同一手机号码 138****5678"
RING_PAGE = "/rings/run1%3Aabc"


def test_pages_show_reasons_in_the_page_language(seeded_client: TestClient) -> None:
    for url in (RING_PAGE, "/rings"):
        zh = seeded_client.get(f"{url}?lang=zh").text
        assert ZH in zh and EN not in zh, url
        en = seeded_client.get(f"{url}?lang=en").text
        assert EN in en and ZH not in en, url


def test_rings_of_older_runs_fall_back_to_english(seeded_client: TestClient, store: Store) -> None:
    store.query("MATCH (g:Ring) REMOVE g.reasons_zh", write=True)
    assert seeded_client.get("/api/rings/run1%3Aabc").json()["reasons_zh"] == []
    for url in (RING_PAGE, "/rings"):
        assert EN in seeded_client.get(f"{url}?lang=zh").text, url
