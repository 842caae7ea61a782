"""Masked copies of subgraphs for answers and pages, and links to entity pages."""

from __future__ import annotations

from graphsvc import model
from graphsvc.model import EVIDENCE
from graphsvc.privacy import mask_properties
from graphsvc.services.explore.subgraph import Subgraph
from graphsvc.store import Node
from graphsvc.store.values import kind_of


def masked(sub: Subgraph) -> Subgraph:
    """A copy with personal data masked (``graphsvc.privacy``); identifier keys, which
    contain the raw value, are replaced by their masked form (numbered if two collide)."""
    out = Subgraph(highlight=set(), hidden=sub.hidden, meta=dict(sub.meta))
    renamed: dict[str, str] = {}
    for key, n in sub.nodes.items():
        props = mask_properties(n.label, n.properties)
        new_key = key
        if n.label == model.IDENTIFIER:
            new_key = f"identifier:{props.get('id', '')}"
            base, i = new_key, 1
            while new_key in out.nodes:
                i += 1
                new_key = f"{base}~{i}"
            props["_masked"] = True
        renamed[key] = new_key
        out.nodes[new_key] = Node(id=new_key, labels=n.labels, properties=props)
    out.highlight = {renamed[k] for k in sub.highlight if k in renamed}
    for k in ("center", "from", "to"):  # entity keys in the answer's header, too
        if out.meta.get(k) in renamed:
            out.meta[k] = renamed[out.meta[k]]
    for r in sub.rels:
        # Evidence details are free text that may quote identifiers; the others are counts.
        props = mask_properties("", r.properties) if r.type == EVIDENCE else r.properties
        out.link(r.type, renamed.get(r.start, r.start), renamed.get(r.end, r.end), props)
    return out


def entity_link(node: Node) -> str | None:
    """Page of an entity; none for masked identifiers (their id is no longer the key)."""
    from urllib.parse import quote

    kind = kind_of(node)
    if kind not in model.ENTITY_KINDS or node.properties.get("_masked"):
        return None
    ident = node.properties.get("id")
    if ident is None:
        return None
    return f"/entities/{kind}/{quote(str(ident), safe='')}"
