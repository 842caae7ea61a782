"""The case package: one zip a public-security liaison can open, read and verify offline.

Layout::

    manifest.json              hashes + sizes of every other file, case/run identity,
                               exported by/at, Ed25519 signature (see manifest.py)
    SHA256SUMS                 the same hashes for ``sha256sum -c SHA256SUMS``
    verify_package.py          the standalone verifier (stdlib + cryptography)
    report.html, report.pdf    the bilingual report
    network.html               the interactive network, every script inlined
    case.json                  the case snapshot and its history
    evidence/*.csv             members, settlements, line items, identifiers,
                               family links, referrals (UTF-8 with BOM)
    graph/subgraph.graphml     the subgraph (networkx GraphML)
    graph/subgraph.anx         the same for i2 Analyst's Notebook (ANX XML, anx.py)
    graph/subgraph.json        the same as JSON

Everything but the manifest depends only on the case, the data and the audit
head it carries (``manifest.json`` ``audit_head``, printed in both reports: the
signed head of the audit log at export, issue #19), so two exports of the same case
are byte-identical there while the audit log has not grown in between. The head's
time is its record's own time, not the export time, which only the manifest carries.
A transferred case carries personal data in full for its liaison only; any other export is masked
(``workflow.masked_export``).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from graphsvc.cases import manifest as mf
from graphsvc.cases import service, workflow
from graphsvc.cases.anx import anx_bytes
from graphsvc.cases.evidence import CaseEvidence, evidence_files, gather, subgraph
from graphsvc.cases.records import CaseEventRecord, CaseRecord
from graphsvc.cases.report.model import report_model
from graphsvc.cases.report.page import render_html
from graphsvc.cases.report.pdf import render_pdf
from graphsvc.privacy import mask_any
from graphsvc.store import Store
from graphsvc.store.values import Node, Relationship

log = logging.getLogger(__name__)


@dataclass
class Package:
    data: bytes
    manifest: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"{self.manifest['case_id']}.zip"


def masked_case(
    case: CaseRecord, events: list[CaseEventRecord]
) -> tuple[CaseRecord, list[CaseEventRecord]]:
    """Free text (reasons, evidence details, comments) with ID and phone numbers masked."""
    c = dataclasses.replace(
        case,
        reasons=[str(r) for r in mask_any(case.reasons)],
        reasons_zh=[str(r) for r in mask_any(case.reasons_zh)],
        evidence=list(mask_any(case.evidence)),
        summary=str(mask_any(case.summary)),
        title=str(mask_any(case.title)),
    )
    ev = [
        dataclasses.replace(e, text=None if e.text is None else str(mask_any(e.text)))
        for e in events
    ]
    return c, ev


def _scalar(value: Any) -> Any:
    """GraphML holds scalars only: lists and maps become JSON text, None is left out."""
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def graphml_bytes(nodes: list[Node], rels: list[Relationship]) -> bytes:
    g = nx.MultiDiGraph()
    for n in nodes:
        attrs = {k: _scalar(v) for k, v in sorted(n.properties.items()) if v is not None}
        g.add_node(n.id, label=n.label, **attrs)
    for r in rels:
        attrs = {k: _scalar(v) for k, v in sorted(r.properties.items()) if v is not None}
        g.add_edge(r.start, r.end, key=r.id, type=r.type, **attrs)
    buf = io.BytesIO()
    nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
    return buf.getvalue()


def graph_json_bytes(case: CaseRecord, nodes: list[Node], rels: list[Relationship]) -> bytes:
    doc = {
        "case_id": case.id,
        "nodes": [n.to_json() for n in nodes],
        "relationships": [r.to_json() for r in rels],
    }
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def case_json_bytes(case: CaseRecord, events: list[CaseEventRecord]) -> bytes:
    doc = {"case": case.to_json(), "events": [e.to_json() for e in events]}
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def network_html_bytes(
    case: CaseRecord, nodes: list[Node], rels: list[Relationship], lang: str
) -> bytes:
    from viz.model import build_view
    from viz.render import network_html

    view = build_view(nodes, rels, highlight={f"{m.kind}:{m.id}" for m in case.members})
    return network_html(view, lang=lang, assets="inline", title=f"{case.id} {case.title}").encode()


def package_files(
    case: CaseRecord,
    events: list[CaseEventRecord],
    ev: CaseEvidence,
    *,
    masked: bool,
    lang: str = "zh",
    font_file: Path | None = None,
    audit_head: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    """Every file but the manifest (pure given the gathered evidence and audit head)."""
    if masked:
        case, events = masked_case(case, events)
    nodes, rels = subgraph(case, ev, masked)
    files: dict[str, bytes] = {}
    files.update(evidence_files(case, ev, masked))
    files["graph/subgraph.graphml"] = graphml_bytes(nodes, rels)
    files["graph/subgraph.anx"] = anx_bytes(nodes, rels)
    files["graph/subgraph.json"] = graph_json_bytes(case, nodes, rels)
    files["case.json"] = case_json_bytes(case, events)
    files["network.html"] = network_html_bytes(case, nodes, rels, lang)
    listed = sorted([*files, "report.html", "report.pdf", mf.MANIFEST, mf.SUMS, mf.VERIFIER])
    model = report_model(case, events, ev, nodes, rels, masked, listed, audit_head)
    files["report.html"] = render_html(model)
    files["report.pdf"] = render_pdf(model, font_file)
    return mf.with_verifier(files)


def export_case(
    store: Store,
    case_id: str,
    *,
    viewer: service.Viewer,
    key: Ed25519PrivateKey,
    lang: str = "zh",
    font_file: Path | None = None,
    exported_at: str | None = None,
    audit_head: dict[str, Any] | None = None,
) -> Package:
    """Build and sign a case's package. Liaisons only get the cases transferred to them.

    ``audit_head``: the audit log's signed head (``AuditLog.signed_head()``), carried
    in the manifest and printed in the report, so the recipient holds a head that
    ``audit verify --head`` checks the fund's log against (issue #19).
    """
    workflow.require_role(viewer.role, workflow.EXPORT_ROLES, "export case packages")
    case = service.get_case(store, case_id, viewer)
    events = service.get_events(store, case_id)
    masked = workflow.masked_export(case.status, viewer.role)
    ev = gather(store, case, unmasked=not masked)
    files = package_files(
        case, events, ev, masked=masked, lang=lang, font_file=font_file, audit_head=audit_head
    )
    meta = {
        "case_id": case.id,
        "case_version": case.version,
        "status": case.status,
        "typology": case.typology,
        "source": case.source,
        "run_id": case.run_id,
        "ring_id": case.ring_id,
        "ring_key": case.ring_key,
        "params": case.params,
        "masked": masked,
        "liaison": case.liaison,
        "audit_head": audit_head,
    }
    manifest = mf.sign_manifest(
        mf.build_manifest(
            files, meta, exported_by=viewer.username, exported_at=exported_at or service.now_iso()
        ),
        key,
    )
    data = mf.write_zip({**files, mf.MANIFEST: mf.manifest_bytes(manifest)})
    log.info(
        "case %s exported by %s (%d files, %s)",
        case.id,
        viewer.username,
        len(files),
        "masked" if masked else "unmasked",
    )
    return Package(data, manifest)
