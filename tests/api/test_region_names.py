"""Division codes are shown with their names (海口市（460100）), in the page's language, on
the ring page, the ring list and entity pages; a code the catalogs do not name shows as
it is. Real embedded store, seeded graph."""

from __future__ import annotations

from fastapi.testclient import TestClient

from graphsvc.generate.catalog import REGIONS
from graphsvc.store import Store
from graphsvc.web.i18n import region_label

RING_PAGE = "/rings/run1%3Aabc"
HTML = {"Accept": "text/html"}


def test_every_division_the_generator_uses_has_its_name_in_both_languages() -> None:
    for region in REGIONS:
        for code in (region.code, *region.id_prefixes):
            for lang in ("zh", "en"):
                assert region_label(code, lang) != code, (code, lang)
        # the catalog's Chinese name is the generator's (one reference list, not two)
        assert region_label(region.code, "zh") == f"{region.name}（{region.code}）"


def test_pages_name_the_region(seeded_client: TestClient, store: Store) -> None:
    store.query("MATCH (g:Ring) SET g.region_code = '460200'", write=True)
    for url in (RING_PAGE, "/rings"):
        zh = seeded_client.get(f"{url}?lang=zh", headers=HTML).text
        assert "三亚市（460200）" in zh, url
        en = seeded_client.get(f"{url}?lang=en", headers=HTML).text
        assert "Sanya (460200)" in en and "三亚市" not in en, url
    page = seeded_client.get("/entities/institution/I1?lang=zh", headers=HTML).text
    assert "海口市（460100）" in page


def test_a_code_without_a_name_shows_as_it_is(seeded_client: TestClient, store: Store) -> None:
    store.query("MATCH (g:Ring) SET g.region_code = '990100'", write=True)
    zh = seeded_client.get(f"{RING_PAGE}?lang=zh", headers=HTML).text
    assert "990100" in zh and "region_name." not in zh
