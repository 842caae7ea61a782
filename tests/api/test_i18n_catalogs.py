"""One translation mechanism (issue #13): the gettext catalogs are complete, in sync with
the code, and every page and the case report render in Chinese and English without a
raw key or an untranslated catalog text.

Pages are rendered by the real app against the seeded embedded store (tests/api's
``seeded_app``), each by a user whose role may see it.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from html.parser import HTMLParser
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from fastapi import FastAPI
from fastapi.testclient import TestClient

from graphsvc import locale, model
from graphsvc.cases import workflow
from graphsvc.contract.schema import RESERVED_PROPERTIES, SPECS
from graphsvc.security.roles import ROLES
from graphsvc.security.testing import bearer_headers
from graphsvc.store import Store
from graphsvc.supervision import tips
from graphsvc.web.i18n import t

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html"}
Key = tuple[str, str | None]


def _keys(lang: str) -> dict[Key, str]:
    return {(str(m.id), m.context): str(m.string) for m in locale.catalog(lang) if m.id}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


# -- the catalogs ----------------------------------------------------------------------


def test_both_catalogs_hold_the_same_messages_every_one_translated() -> None:
    zh, en = _keys("zh"), _keys("en")
    assert len(zh) > 250  # the pages', the report's and the errors' texts
    assert sorted(set(zh) ^ set(en), key=str) == []
    assert sorted((k for k, v in zh.items() if not v.strip()), key=str) == []
    assert sorted((k for k, v in en.items() if not v.strip()), key=str) == []
    assert [m.id for lang in ("zh", "en") for m in locale.catalog(lang) if m.fuzzy and m.id] == []
    # a placeholder one language fills and the other does not would raise or vanish
    assert sorted((k for k in zh if _fields(zh[k]) != _fields(en[k])), key=str) == []


def test_chinese_texts_are_chinese() -> None:
    """A zh msgstr copied from English is an untranslated message (codes excepted)."""
    zh, en = _keys("zh"), _keys("en")
    same = sorted(k for k in zh if zh[k] == en[k] and re.search(r"[a-z]{3}", zh[k]))
    assert same == []


def _extracted() -> set[Key]:
    """What ``pybabel extract -F babel.cfg`` finds in the code and templates."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        (msg if isinstance(msg, str) else msg[0], ctx)
        for _file, _line, msg, _comments, ctx in extract_from_dir(
            str(ROOT), method_map, options_map
        )
    }


TEXT_KEY = re.compile(r"""text_key=["']([^"']+)["']""")


def test_every_text_the_code_asks_for_is_in_the_catalogs() -> None:
    found = _extracted()
    # errors name their page text as GraphsvcError(..., text_key="err.…")
    raised = {
        (key, None)
        for path in (ROOT / "graphsvc").rglob("*.py")
        for key in TEXT_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert ("err.no_ring", None) in raised
    found |= raised
    # the extractors see both call shapes (else this test could not fail)
    assert {("nav_cases", None), ("report_title", "report"), ("grades.title", None)} <= found
    assert len(found) > 150
    assert sorted(found - set(_keys("zh")), key=str) == []


def test_texts_built_from_data_are_in_the_catalogs() -> None:
    """Keys the extractor cannot see (``label("user_role", role)``, ``"status." ~ s``)."""
    pages = {k for k, ctx in _keys("zh") if ctx is None}
    report = {k for k, ctx in _keys("zh") if ctx == locale.REPORT}
    wanted_pages = {f"user_role.{r}" for r in ROLES} | {f"tip_status.{s}" for s in tips.STATUSES}
    wanted_pages |= {f"tip_priority.{p}" for p in ("high", "medium", "low")}
    wanted_pages |= {f"grades.{k}" for k in ("participant", "doctor", "institution")}
    wanted_pages |= {f"edge.{r}" for r in model.REL_TYPES} | {
        f"kind.{k}" for k in model.ENTITY_KINDS
    }
    # an entity's facts: the data contract's columns and coded values
    wanted_pages |= {f"fact.{c}" for spec in SPECS.values() for c in spec.columns}
    wanted_pages |= {f"fact.{c}" for c in RESERVED_PROPERTIES}
    wanted_pages |= {
        f"fact_value.{c}.{v}" for spec in SPECS.values() for c, vs in spec.enums.items() for v in vs
    }
    wanted_report = {f"status.{s}" for s in workflow.STATUSES}
    wanted_report |= {f"kind.{k}" for k in ("participant", "doctor", "institution", "identifier")}
    assert sorted(wanted_pages - pages) == []
    assert sorted(wanted_report - report) == []


def test_a_text_with_no_entry_shows_as_its_key() -> None:
    assert t("no_such_key.here", "zh") == "no_such_key.here"
    assert t("expand", "zh", n=3) == "扩展到 3 跳" and t("expand", "en", n=3) == "Expand to 3 hops"


# -- rendered pages --------------------------------------------------------------------


class _Visible(HTMLParser):
    """Text nodes and the attributes people read (placeholder, title, button values)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def visible(html: str) -> list[str]:
    p = _Visible()
    p.feed(html)
    return p.texts


# `user_role.admin`, `status.in_review`, `nav_cases`: what a missing text shows instead
# (a catalog key anywhere, or a word shaped ``word.word_word``)
RAW_KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*)?\b")

EDGE_TYPES = frozenset(model.REL_TYPES) | {"VISITED", "TREATED_BY", "REFERRED", "EVIDENCE"}
# three English words in a row: an untranslated message (an error's, a page's)
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,:;]+[A-Za-z]{2,}){2,}\b")
FILE_TYPES = frozenset({"csv", "json", "html", "pdf", "py", "zip", "graphml", "anx", "txt"})


def problems(html: str, lang: str) -> list[str]:
    """Raw catalog keys, key-shaped words and (on zh pages) English catalog texts."""
    keys = {k for k, _ in _keys("zh")}
    zh, en = locale.messages("zh"), locale.messages("en")
    english = {en[k] for k in en if en[k] != zh.get(k) and re.search(r"[A-Za-z]{3}", en[k])}
    found: list[str] = []
    texts = visible(html)
    for i, text in enumerate(texts):
        for word in RAW_KEY.findall(text):
            if word.rpartition(".")[2] in FILE_TYPES:
                continue  # a file name (the report lists its package's files)
            if word in keys and ("_" in word or "." in word):
                found.append(f"raw key {word!r} in {text!r}")
            elif "." in word and "_" in word:
                found.append(f"key-shaped {word!r} in {text!r}")
        if text in EDGE_TYPES:
            found.append(f"raw edge type {text!r}")
        if lang == "zh" and text in english:
            found.append(f"English text {text!r} after {texts[i - 1] if i else ''!r}")
        elif lang == "zh" and ENGLISH_SENTENCE.search(text):
            found.append(f"English words {text!r} after {texts[i - 1] if i else ''!r}")
    return found


@pytest.fixture
def clients(seeded_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    """One client per role (the seeded app's lifespan started once, by the first)."""
    with ExitStack() as stack:
        out: dict[str, TestClient] = {}
        for role in ("investigator", "analyst", "supervisor"):
            c = stack.enter_context(TestClient(seeded_app))
            c.headers.update(bearer_headers(seeded_app.state.users, role))
            out[role] = c
        yield out


def test_problems_finds_raw_keys_and_english_on_chinese_pages() -> None:
    """The check itself: it must see what it is meant to catch."""
    page = "<p>user_role.admin</p><td>kind_x.not_a_key</td><b>Suspected rings</b><i>可疑团伙</i>"
    page += "<li>PATIENT</li>"
    assert len(problems(page, "zh")) == 4 and len(problems(page, "en")) == 3
    assert problems("<script>var a = 'nav_cases';</script><p>案件</p>", "zh") == []


def test_every_page_renders_in_both_languages_without_raw_keys(
    clients: dict[str, TestClient],
) -> None:
    inv = clients["investigator"]
    created = inv.post("/cases", data={"ring_id": "run1:abc"}, headers=HTML, follow_redirects=False)
    assert created.status_code == 303
    case_page = created.headers["location"]
    # a status change, so the history shows status words (not `open → in_review`)
    moved = inv.post(case_page, data={"status": "in_review"}, headers=HTML, follow_redirects=False)
    assert moved.status_code == 303, moved.text
    pages = {
        "investigator": [
            "/rings",
            "/rings/run1:abc",
            "/entities/participant/P1",
            "/entities/institution/I1",
            "/search?q=P1",
            "/paths?from=participant:P1&to=participant:P2",
            "/cases",
            case_page,
            "/password",
            "/grades",
            "/rings/no-such-ring",  # the error pages
            "/entities/participant/NOPE",
            "/entities/nokind/x",
            "/cases/C-999999",
            "/rings?min_score=abc",  # the filter error
            "/console",  # refused to this role: the forbidden page
            "/login",
        ],
        "analyst": ["/console"],
        "supervisor": ["/tips", "/tips/new", "/inspections", "/grades", "/published"],
    }
    seen = 0
    report: dict[str, list[str]] = {}
    for role, paths in pages.items():
        for path in paths:
            for lang in ("zh", "en"):
                sep = "&" if "?" in path else "?"
                resp = clients[role].get(f"{path}{sep}lang={lang}", headers=HTML)
                assert resp.headers["content-type"].startswith("text/html"), (path, resp.text)
                assert resp.status_code in (200, 400, 403, 404), (path, resp.status_code)
                seen += 1
                if found := problems(resp.text, lang):
                    report[f"{path} [{lang}]"] = found
    assert seen == 2 * sum(len(p) for p in pages.values())
    for lang in ("zh", "en"):
        history = inv.get(f"{case_page}?lang={lang}", headers=HTML).text
        st = {s: locale.pgettext(locale.REPORT, f"status.{s}", lang) for s in ("open", "in_review")}
        assert f"{st['open']} → {st['in_review']}" in history
    assert report == {}


def test_case_report_has_no_raw_keys(clients: dict[str, TestClient]) -> None:
    inv = clients["investigator"]
    case = inv.post("/api/cases", json={"ring_id": "run1:abc"})
    assert case.status_code == 201, case.text
    for lang in ("zh", "en"):
        resp = inv.get(f"/api/cases/{case.json()['id']}/package?lang={lang}")
        assert resp.status_code == 200, resp.text
        with zipfile.ZipFile(io.BytesIO(resp.content)) as z:
            html = z.read("report.html").decode("utf-8")
        assert problems(html, "en") == []  # the report is bilingual: no English check
        assert locale.pgettext(locale.REPORT, "report_title", "zh") in html
        # the opening event in both languages, not the stored English note alone
        opened = [locale.pgettext(locale.REPORT, "opened_from_ring", x) for x in ("zh", "en")]
        assert all(o.format(ring="run1:abc", n=1) in html for o in opened), html[-3000:]


def test_ring_page_cites_the_clause_in_the_pages_language(
    seeded_client: TestClient, store: Store
) -> None:
    """Chinese pages cite the measures as the document does; English keeps the reference."""
    # detection stores the clause on the ring; the seed graph has none (tests only: inline)
    store.query(
        "MATCH (g:Ring {id: 'run1:abc'}) SET g.clause = $clause",
        {"clause": "Hainan Art. 11; Art. 24(1)(2)"},
        write=True,
    )
    zh = seeded_client.get("/rings/run1:abc?lang=zh", headers=HTML).text
    en = seeded_client.get("/rings/run1:abc?lang=en", headers=HTML).text
    cited = "《海南省医疗保障基金监督管理办法》第十一条；第二十四条第（一）、（二）项"
    assert f"<dd>{cited}</dd>" in zh and "Hainan Art." not in zh
    assert "<dd>Hainan Art. 11; Art. 24(1)(2)</dd>" in en


def test_compiled_catalogs_say_what_the_po_files_say(tmp_path: Path) -> None:
    """``./dev setup`` compiles .mo files with pybabel; they must read as the .po do
    (graphsvc.locale uses a .mo when it is fresh, else compiles the .po in memory)."""
    import shutil

    from babel.messages.frontend import CommandLineInterface
    from babel.support import Translations

    shutil.copytree(locale.DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo", "*.py"))
    # what `pybabel -q compile -d graphsvc/locale -D graphsvc` (./dev setup) runs
    args = ["pybabel", "-q", "compile", "-d", str(tmp_path / "locale"), "-D", locale.DOMAIN]
    assert CommandLineInterface().run(args) in (0, None)
    for lang, code in locale.LOCALES.items():
        mo = tmp_path / "locale" / code / "LC_MESSAGES" / f"{locale.DOMAIN}.mo"
        with mo.open("rb") as fh:
            compiled = Translations(fh, domain=locale.DOMAIN)
        keys = _keys(lang)
        assert len(keys) > 250
        for (key, ctx), text in keys.items():
            got = compiled.pgettext(ctx, key) if ctx else compiled.gettext(key)
            assert got == text
            assert (locale.pgettext(ctx, key, lang) if ctx else locale.gettext(key, lang)) == text


def test_a_refused_page_says_so_in_the_users_language(seeded_client: TestClient) -> None:
    for lang in ("zh", "en"):
        resp = seeded_client.get(f"/console?lang={lang}", headers=HTML)
        assert resp.status_code == 403
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in resp.text
        assert t("forbidden_role", lang) in resp.text
        assert f'<a href="/login">{t("relogin", lang)}</a>' in resp.text


def test_login_page_and_its_errors_are_in_the_visitors_language(seeded_app: FastAPI) -> None:
    with TestClient(seeded_app) as anonymous:
        for lang in ("zh", "en"):
            page = anonymous.get(f"/login?lang={lang}").text
            assert f"<label>{t('login.username', lang)}<br>" in page
            refused = anonymous.post(
                f"/login?lang={lang}", data={"username": "x", "password": "y"}
            )  # no CSRF token: the form expired
            assert refused.status_code == 403
            assert t("login.expired", lang) in refused.text


def test_saved_queries_are_described_in_the_consoles_language(
    clients: dict[str, TestClient],
) -> None:
    analyst = clients["analyst"]
    written = {q["name"]: q["description"] for q in analyst.get("/api/queries").json()}
    assert len(written) >= 5
    for lang in ("zh", "en"):
        listed = analyst.get(f"/api/queries?lang={lang}").json()
        assert {q["name"] for q in listed} == set(written)
        for q in listed:
            assert q["description"] == t(f"query.{q['name']}", lang)
            if lang == "zh":
                assert re.search(r"[\u4e00-\u9fff]", q["description"]), q


def test_errors_with_a_page_text_are_said_in_the_readers_language(
    seeded_client: TestClient,
) -> None:
    for lang in ("zh", "en"):
        resp = seeded_client.get(f"/rings/no-such-ring?lang={lang}", headers=HTML)
        assert resp.status_code == 404 and t("err.no_ring", lang) in resp.text
        resp = seeded_client.get(f"/cases/C-999999?lang={lang}", headers=HTML)
        assert resp.status_code == 404 and t("err.no_case", lang, case_id="C-999999") in resp.text
    # JSON answers keep the English message
    assert seeded_client.get("/api/rings/no-such-ring").json()["detail"] == "no such ring"
