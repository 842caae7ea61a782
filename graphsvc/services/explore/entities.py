"""Entities: ``kind:id`` references, lookup and facts (properties, degrees, rings)."""

from __future__ import annotations

from typing import Any

from graphsvc import model
from graphsvc.errors import InputError, NotFound
from graphsvc.services.explore.query import _labelled, _read
from graphsvc.store import Node, Store


def parse_ref(ref: str) -> tuple[str, str]:
    """``kind:id`` -> (kind, id); the id may itself hold colons (ring and identifier ids).

    >>> parse_ref("participant:P000123")
    ('participant', 'P000123')
    >>> parse_ref("identifier:phone:13800138000")
    ('identifier', 'phone:13800138000')
    """
    kind, sep, ident = (ref or "").strip().partition(":")
    if not sep or not ident:
        raise InputError(
            f"expected kind:id, e.g. participant:P000123 (got {len(ref or '')} chars)",
            text_key="err.bad_ref",
        )
    label_of(kind)
    return kind, ident


def label_of(kind: str) -> str:
    try:
        return model.ENTITY_KINDS[kind]
    except KeyError:
        raise NotFound(
            f"unknown entity kind {kind!r}; one of {', '.join(model.ENTITY_KINDS)}",
            text_key="err.unknown_kind",
            kind=kind,
        ) from None


def find_entity(store: Store, kind: str, ident: str) -> Node:
    label = label_of(kind)
    rows = store.query(_labelled(store, "explore_entity", label=label), {"id": ident}).rows
    if not rows:
        raise NotFound(f"no {kind} with that id", text_key="err.no_entity")
    node: Node = rows[0][0]
    return node


def entity_facts(store: Store, kind: str, ident: str) -> dict[str, Any]:
    """Properties, relationship counts by type, and the rings the entity is a member of."""
    node = find_entity(store, kind, ident)
    label = node.label if node.label in model.LABELS else label_of(kind)
    degree = {
        r["type"]: int(r["count"])
        for r in _read(store, "explore_entity_degree", {"id": ident}, label=label)
    }
    rings = _read(store, "explore_entity_rings", {"id": ident}, label=label)
    return {
        "kind": kind,
        "id": ident,
        "labels": list(node.labels),
        "properties": dict(node.properties),
        "relationships": degree,
        "rings": rings,
    }
