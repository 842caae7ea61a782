"""Case packages end to end on the real store: export, verify, tamper, PDF, determinism."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from case_fixtures import (
    KEY,
    RING_ID,
    RUN_ID,
    rezip,
    transfer_case,
)

from graphsvc.cases import manifest as mf
from graphsvc.cases import service
from graphsvc.cases.package import Package, export_case
from graphsvc.errors import NotFound, PermissionDenied
from graphsvc.security import keys
from graphsvc.store import Store
from viz.offline import VENDOR_INERT_URLS, external_urls

PUB = keys.public_pem(KEY)
INV = service.Viewer("alice", "investigator")
EVIDENCE_FILES = {
    "evidence/members.csv",
    "evidence/settlements.csv",
    "evidence/line_items.csv",
    "evidence/identifiers.csv",
    "evidence/family_links.csv",
    "evidence/referrals.csv",
}


def confirmed_case(store: Store) -> str:
    """create -> review -> confirm, as an investigator does it."""
    case = service.create_from_ring(store, RING_ID, actor="alice", title="共用手机号团伙")
    service.update_case(store, case.id, actor=INV, status="in_review", assignee="alice")
    service.add_comment(store, case.id, actor=INV, text="核实 13812345678 的登记人")
    service.update_case(store, case.id, actor=INV, status="confirmed")
    return case.id


def transfer(store: Store, case_id: str, liaison: str = "police1") -> None:
    transfer_case(store, case_id, liaison)


@pytest.fixture
def confirmed(ring_store: Store) -> tuple[Store, str, Package]:
    case_id = confirmed_case(ring_store)
    return ring_store, case_id, export_case(ring_store, case_id, viewer=INV, key=KEY)


def test_create_review_confirm_export_verify(confirmed: tuple[Store, str, Package]) -> None:
    _store, case_id, pkg = confirmed
    files = mf.read_zip(pkg.data)
    assert {
        "manifest.json",
        "report.html",
        "report.pdf",
        "network.html",
        "case.json",
        "graph/subgraph.graphml",
        "graph/subgraph.anx",
        "graph/subgraph.json",
        "SHA256SUMS",
        "verify_package.py",
    } | EVIDENCE_FILES == set(files)
    v = mf.verify_package(pkg.data, PUB)
    assert v.ok, v.problems()
    m = pkg.manifest
    assert (m["case_id"], m["run_id"], m["ring_id"], m["status"]) == (
        case_id,
        RUN_ID,
        RING_ID,
        "confirmed",
    )
    assert m["params"] == {"shared_identity": {"min_members": 3}}
    assert m["exported_by"] == "alice" and m["exported_at"].endswith("Z")
    assert m["signature"]["alg"] == "Ed25519" and m["masked"] is True
    assert {f["path"] for f in m["files"]} == set(files) - {"manifest.json"}


def test_evidence_tables(confirmed: tuple[Store, str, Package]) -> None:
    files = mf.read_zip(confirmed[2].data)
    for path in EVIDENCE_FILES:
        assert files[path].startswith(b"\xef\xbb\xbf"), path

    def table(path: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(files[path].decode("utf-8-sig"))))

    # Settlements of the members inside the ring's period (S5 is outside it).
    assert [r["prescription_id"] for r in table("evidence/settlements.csv")] == [
        "S1",
        "S2",
        "S3",
        "S4",
    ]
    items = table("evidence/line_items.csv")
    assert {r["item_name"] for r in items} == {"阿莫西林胶囊"} and len(items) == 2
    assert table("evidence/family_links.csv") == [
        {"holder_id": "P4", "member_id": "P3", "relation": "parent", "since": "2020-01-01"}
    ]
    assert [r["referral_id"] for r in table("evidence/referrals.csv")] == ["R1"]
    idents = table("evidence/identifiers.csv")
    assert {r["value"] for r in idents} == {"138****5678"}  # masked: not transferred
    members = {r["id"]: r for r in table("evidence/members.csv")}
    assert members["P1"]["role"] == "recruiter"
    assert float(members["P1"]["fund_paid"]) == 400.0
    # Participants' apportioned amounts add up to the ring's amount at risk.
    assert sum(float(members[p]["amount_at_risk"]) for p in ("P1", "P2", "P3")) == 800.0
    assert members["P1"]["name"] == "张*" and "123X" in members["P1"]["id_number"]
    assert "46010019900101123X" not in files["evidence/members.csv"].decode("utf-8-sig")


def test_subgraph_graphml_and_json(confirmed: tuple[Store, str, Package]) -> None:
    import networkx as nx

    files = mf.read_zip(confirmed[2].data)
    g = nx.read_graphml(io.BytesIO(files["graph/subgraph.graphml"]))
    assert {
        "participant:P1",
        "participant:P2",
        "participant:P3",
        "doctor:D1",
        "institution:I1",
    } <= set(g.nodes)
    types = {d["type"] for _, _, d in g.edges(data=True)}
    assert {
        "VISITED",
        "TREATED_BY",
        "HAS_IDENTIFIER",
        "SHARES_ACCOUNT",
        "ACCOUNT_PAID_FOR",
        "EVIDENCE",
    } <= types
    doc = json.loads(files["graph/subgraph.json"])
    assert len(doc["nodes"]) == g.number_of_nodes()
    assert len(doc["relationships"]) == g.number_of_edges()
    assert "13812345678" not in files["graph/subgraph.json"].decode()


def test_changed_removed_added_files_fail_verify_naming_them(
    confirmed: tuple[Store, str, Package], tmp_path: Path
) -> None:

    data = confirmed[2].data
    pdf = mf.read_zip(data)["report.pdf"]
    flipped = pdf[:100] + bytes([pdf[100] ^ 1]) + pdf[101:]
    cases = {
        "files: changed report.pdf": rezip(data, {"report.pdf": flipped}),
        "files: missing evidence/settlements.csv": rezip(data, {"evidence/settlements.csv": None}),
        "files: added notes.txt": rezip(data, {"notes.txt": b"hello"}),
    }
    for expected, tampered in cases.items():
        v = mf.verify_package(tampered, PUB)
        assert not v.ok
        assert v.problems() == [expected]


def test_report_pdf_has_chinese_text_and_renders(
    confirmed: tuple[Store, str, Package], tmp_path: Path
) -> None:
    from pypdf import PdfReader

    _store, case_id, pkg = confirmed
    pdf = mf.read_zip(pkg.data)["report.pdf"]
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in (
        "医保基金欺诈骗保案件报告",
        "案件编号",
        case_id,
        "共用身份信息",
        "第十一条",
        "参保人员",
        "办理过程",
        "已确认",
        "Legal basis",
        "800.00",
    ):
        assert expected in text, expected
    # Each reason in Chinese, then its English original; identifiers masked in both.
    flat = re.sub(r"\s+", "", text)
    zh = flat.index("3名参保人共用同一手机号码138****5678")
    assert zh < flat.index("3participantssharephone138****5678") < flat.index("结算3笔")
    assert "13812345678" not in text
    report = mf.read_zip(pkg.data)["report.html"].decode()
    assert report.index("结算3笔，统筹基金支付¥800.00") < report.index(
        "fund paid ¥800.00 in 3 settlements"
    )
    # The CJK font is embedded (a subset "ABCDEF+Name" with its TrueType program).
    embedded = [
        f
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
        if "+" in str(f.get("/BaseFont")) and "/FontFile2" in f["/FontDescriptor"]
    ]
    assert embedded
    png = render_page(pdf, tmp_path)
    assert ink_fraction(png) > 0.01


def render_page(pdf: bytes, tmp: Path, page: int = 1, dpi: int = 50) -> Path:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm missing: install the Debian package poppler-utils")
    src = tmp / "r.pdf"
    src.write_bytes(pdf)
    subprocess.run(  # noqa: S603  fixed argv, no shell, no user input
        [  # noqa: S607  the tool is found on PATH on purpose
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(src),
            str(tmp / f"p{page}"),
        ],
        check=True,
    )
    return tmp / f"p{page}.png"


def ink_fraction(png: Path) -> float:
    from PIL import Image

    return ink_fraction_img(Image.open(png))


def test_chinese_glyphs_are_not_tofu(tmp_path: Path) -> None:
    """Missing glyphs all draw as the same box: two different characters set in the
    report font must rasterise differently, and differently from a missing one."""
    from PIL import Image, ImageChops
    from reportlab.pdfgen import canvas

    from graphsvc.cases.fonts import register_cjk_font

    font = register_cjk_font()
    shots = []
    for i, ch in enumerate(("案", "骗", "\u0378")):  # two hanzi and an unassigned code point
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(120, 120), invariant=1)
        c.setFont(font, 90)
        c.drawString(15, 20, ch)
        c.save()
        out = tmp_path / str(i)
        out.mkdir()
        shots.append(Image.open(render_page(buf.getvalue(), out, dpi=72)).convert("L"))
    an, pian, missing = shots
    assert ImageChops.difference(an, pian).getbbox() is not None
    assert ImageChops.difference(an, missing).getbbox() is not None
    assert ImageChops.difference(pian, missing).getbbox() is not None
    assert ink_fraction_img(an) > 0.02 and ink_fraction_img(pian) > 0.02


def ink_fraction_img(img: object) -> float:
    """Share of dark pixels (a blank page is 0)."""
    from PIL import Image

    assert isinstance(img, Image.Image)
    hist = img.convert("L").histogram()
    return sum(hist[:128]) / (img.width * img.height)


def test_network_html_is_self_contained(confirmed: tuple[Store, str, Package]) -> None:
    page = mf.read_zip(confirmed[2].data)["network.html"].decode()
    assert "<script" in page and "new vis.Network" in page  # the library itself, inlined
    # Nothing is loaded from anywhere: no external URL but the vendored library's inert
    # ones (licence texts, the SVG namespace), no tag pulling in a file.
    assert external_urls(page, VENDOR_INERT_URLS) == []
    tag_ref = r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]*)"""
    tags = re.findall(tag_ref, page, re.I)
    assert all(t.startswith("data:") for t in tags), tags
    assert "participant:P1" in page  # the data is in the file
    report = mf.read_zip(confirmed[2].data)["report.html"].decode()
    assert external_urls(report) == [] and "http" not in report


def test_double_export_is_byte_identical_but_the_manifest(
    confirmed: tuple[Store, str, Package],
) -> None:
    store, case_id, first = confirmed
    second = export_case(
        store,
        case_id,
        viewer=service.Viewer("bob", "investigator"),
        key=KEY,
        exported_at="2030-01-01T00:00:00Z",
    )
    a, b = mf.read_zip(first.data), mf.read_zip(second.data)
    assert set(a) == set(b)
    assert [p for p in sorted(a) if a[p] != b[p]] == ["manifest.json"]
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    assert ma["files"] == mb["files"]
    assert {k for k in ma if ma[k] != mb[k]} == {"exported_at", "exported_by", "signature"}


def test_transferred_package_is_unmasked_and_liaison_only_gets_theirs(
    confirmed: tuple[Store, str, Package],
) -> None:
    store, case_id, _ = confirmed
    transfer(store, case_id, "police1")
    police1 = service.Viewer("police1", "liaison")
    pkg = export_case(store, case_id, viewer=police1, key=KEY)
    files = mf.read_zip(pkg.data)
    assert pkg.manifest["masked"] is False and pkg.manifest["liaison"] == "police1"
    members = files["evidence/members.csv"].decode("utf-8-sig")
    assert "张三" in members and "46010019900101123X" in members
    assert "13812345678" in files["evidence/identifiers.csv"].decode("utf-8-sig")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(files["report.pdf"])).pages)
    assert "张三" in text and "移送依据" in text and "第二十六条" in text
    with pytest.raises(NotFound):
        export_case(store, case_id, viewer=service.Viewer("police2", "liaison"), key=KEY)
    with pytest.raises(PermissionDenied):
        export_case(store, case_id, viewer=service.Viewer("root", "admin"), key=KEY)
    with pytest.raises(PermissionDenied):  # analysts never take a package out
        export_case(store, case_id, viewer=service.Viewer("ann", "analyst"), key=KEY)
    # Everyone else inside the fund gets the transferred case masked: only the
    # liaison the supervisor approved receives personal data in clear.
    for viewer in (INV, service.Viewer("sue", "supervisor")):
        inside = export_case(store, case_id, viewer=viewer, key=KEY)
        assert inside.manifest["masked"] is True
        assert "46010019900101123X" not in mf.read_zip(inside.data)["evidence/members.csv"].decode(
            "utf-8-sig"
        )


def test_liaison_cannot_export_an_untransferred_case(confirmed: tuple[Store, str, Package]) -> None:
    store, case_id, _ = confirmed
    with pytest.raises(NotFound):
        export_case(store, case_id, viewer=service.Viewer("police1", "liaison"), key=KEY)


def test_manual_case_exports(ring_store: Store) -> None:
    from graphsvc.cases.records import CaseMember

    case = service.create_from_entities(
        ring_store,
        [CaseMember("participant", "P4", "holder"), CaseMember("participant", "P3", "member")],
        actor="alice",
        title="家庭共济",
        typology="family_sharing_abuse",
        clause="Hainan Art. 14",
    )
    pkg = export_case(ring_store, case.id, viewer=INV, key=KEY)
    assert mf.verify_package(pkg.data, PUB).ok
    assert pkg.manifest["run_id"] is None and pkg.manifest["source"] == "manual"


def test_subgraph_anx_for_analysts_notebook(confirmed: tuple[Store, str, Package]) -> None:
    """The i2 ANX chart holds the GraphML's nodes as entities and its edges as links
    whose ends exist, masked like the rest of the package."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    files = mf.read_zip(confirmed[2].data)
    g = nx.read_graphml(io.BytesIO(files["graph/subgraph.graphml"]))
    chart = ET.fromstring(files["graph/subgraph.anx"])  # noqa: S314  our own output
    assert chart.tag == "Chart" and chart.get("IdReferenceLinking") == "false"
    entities = {e.get("EntityId") for e in chart.iter("Entity")}
    assert entities == {e.get("Identity") for e in chart.iter("Entity")}
    assert set(g.nodes) == entities
    links = list(chart.iter("Link"))
    assert len(links) == g.number_of_edges()
    assert all(lk.get("End1Id") in entities and lk.get("End2Id") in entities for lk in links)
    declared = {t.get("Name") for t in chart.iter("EntityType")}
    assert {s.get("Type") for s in chart.iter("IconStyle")} <= declared
    assert {t.get("Name") for t in chart.iter("LinkType")} >= {
        s.get("Type") for s in chart.iter("LinkStyle")
    }
    assert "13812345678" not in files["graph/subgraph.anx"].decode()
