"""The case network as i2 Analyst's Notebook Exchange XML (``.anx``), beside GraphML.

Why: public-security analysts chart cases in i2 Analyst's Notebook (issue #14, "the
network in the liaison's own tool"). ANB imports ANX directly (File > Open, or Import
> XML), so the liaison sees the same entities and links as ``network.html`` without a
conversion step.

The chart is *non-rigorous* (``Rigorous="false"``: ANB merges items with the same
identity instead of refusing the file) and links by identity
(``IdReferenceLinking="false"``): every entity's ``EntityId`` and ``Identity`` are the
node's id in the package (``participant:P0000291``, the same as in GraphML and JSON),
and each link's ``End1Id``/``End2Id`` name those ids. Entity types map to ANB's standard
icons (``Person``, ``Organisation``, ``Phone``...); an icon ANB does not know falls back
to its default, it never fails the import. Positions are a deterministic circle per kind
(ANB's own layouts re-arrange on request), and item order is sorted, so the same case
gives the same bytes.

Only what the package already holds goes in: labels and descriptions come from the
(masked or unmasked) subgraph the package was built from.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from graphsvc.store.values import Node, Relationship, kind_of

ENTITY_TYPES: dict[str, str] = {  # ANX entity type name -> icon
    "Participant": "Person",
    "Doctor": "Person",
    "Institution": "Organisation",
    "Phone": "Phone",
    "Address": "House",
    "BankAccount": "Account",
    "Device": "Computer",
    "Email": "Email",
    "Ring": "Group",
    "Item": "Medicine",
    "Other": "General",
}
_TYPE_OF_IDENTIFIER = {
    "phone": "Phone",
    "address": "Address",
    "bank_account": "BankAccount",
    "device": "Device",
    "email": "Email",
}
_TYPE_OF_KIND = {
    "participant": "Participant",
    "doctor": "Doctor",
    "institution": "Institution",
    "ring": "Ring",
    "item": "Item",
}
# Facts worth reading in the item's description, in this order (others are internal).
_FACTS = (
    "id",
    "name",
    "kind",
    "value",
    "level",
    "region_code",
    "department",
    "institution_id",
    "birth_date",
    "gender",
    "insurance_type",
    "typology",
    "score",
    "amount_at_risk",
    "count",
    "amount",
    "relation",
    "since",
    "role",
    "date",
)


def entity_type(node: Node) -> str:
    """The ANX entity type of a node.

    >>> entity_type(Node("1", ("Identifier",), {"kind": "bank_account"}))
    'BankAccount'
    >>> entity_type(Node("2", ("Participant",), {}))
    'Participant'
    """
    kind = kind_of(node)
    if kind == "identifier":
        return _TYPE_OF_IDENTIFIER.get(str(node.properties.get("kind")), "Other")
    return _TYPE_OF_KIND.get(kind, "Other")


def _label(node: Node) -> str:
    p = node.properties
    kind = kind_of(node)
    if kind == "institution" and p.get("name"):
        return str(p["name"])
    if kind == "identifier" and p.get("value") is not None:
        return str(p["value"])
    if kind == "ring":
        return f"{p.get('typology', 'ring')} {p.get('id', '')}".strip()
    return str(p.get("id", node.id))


def _describe(props: dict[str, Any]) -> str:
    parts = []
    for k in _FACTS:
        v = props.get(k)
        if v is None or v == "":
            continue
        if isinstance(v, float):
            v = f"{v:,.2f}"
        parts.append(f"{k}: {v}")
    return "; ".join(parts)


def _positions(keys_by_type: dict[str, list[str]]) -> dict[str, tuple[int, int]]:
    """A ring of items per entity type, types side by side: readable before any layout."""
    out: dict[str, tuple[int, int]] = {}
    for col, t in enumerate(sorted(keys_by_type)):
        keys = keys_by_type[t]
        radius = 60 + 12 * len(keys)
        cx = col * (2 * radius + 200)
        for i, k in enumerate(keys):
            a = 2 * math.pi * i / max(1, len(keys))
            out[k] = (round(cx + radius * math.cos(a)), round(radius * math.sin(a)))
    return out


def anx_bytes(nodes: list[Node], rels: list[Relationship]) -> bytes:
    """The chart as UTF-8 ANX XML.

    >>> a = Node("participant:P1", ("Participant",), {"id": "P1"})
    >>> b = Node("identifier:I9", ("Identifier",), {"id": "I9", "kind": "phone"})
    >>> rel = Relationship("r", "HAS_IDENTIFIER", "participant:P1", "identifier:I9")
    >>> xml = anx_bytes([a, b], [rel]).decode()
    >>> 'End1Id="participant:P1" End2Id="identifier:I9"' in xml
    True
    """
    keys = {n.id: n.id for n in nodes}
    typed: dict[str, list[str]] = defaultdict(list)
    for n in sorted(nodes, key=lambda n: n.id):
        typed[entity_type(n)].append(n.id)
    pos = _positions(typed)

    chart = ET.Element("Chart", {"IdReferenceLinking": "false", "Rigorous": "false"})
    types = ET.SubElement(chart, "EntityTypeCollection")
    for name in sorted(typed):
        ET.SubElement(types, "EntityType", {"Name": name, "IconFile": ENTITY_TYPES[name]})
    links = ET.SubElement(chart, "LinkTypeCollection")
    for name in sorted({r.type for r in rels}):
        ET.SubElement(links, "LinkType", {"Name": name, "Colour": "0"})
    items = ET.SubElement(chart, "ChartItemCollection")
    for n in sorted(nodes, key=lambda n: n.id):
        key = n.id
        x, y = pos[key]
        item = ET.SubElement(
            items,
            "ChartItem",
            {
                "Label": _label(n),
                "Description": _describe(n.properties),
                "DateSet": "false",
                "XPosition": str(x),
            },
        )
        end = ET.SubElement(item, "End", {"Y": str(y)})
        entity = ET.SubElement(end, "Entity", {"EntityId": key, "Identity": key})
        icon = ET.SubElement(entity, "Icon")
        ET.SubElement(icon, "IconStyle", {"Type": entity_type(n)})
    for r in sorted(rels, key=lambda r: (keys.get(r.start, ""), keys.get(r.end, ""), r.type, r.id)):
        if r.start not in keys or r.end not in keys:
            continue  # a link to a node the package left out would dangle in ANB
        label = r.type
        if r.properties.get("count") is not None:
            label += f" ×{r.properties['count']}"
        item = ET.SubElement(
            items,
            "ChartItem",
            {"Label": label, "Description": _describe(r.properties), "DateSet": "false"},
        )
        link = ET.SubElement(item, "Link", {"End1Id": keys[r.start], "End2Id": keys[r.end]})
        ET.SubElement(link, "LinkStyle", {"Type": r.type, "ArrowStyle": "ArrowOnHead"})
    ET.indent(chart, space=" ")
    body: bytes = ET.tostring(chart, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
