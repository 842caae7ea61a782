"""Search: a search box entry normalised like the loader, matched against the store."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from graphsvc.contract.normalise import identifier_id, normalise_identifier
from graphsvc.errors import InputError
from graphsvc.security.vault import keyed_search, pii_for_store
from graphsvc.services.explore.query import _read
from graphsvc.services.explore.subgraph import entity_key
from graphsvc.store import Node, Store
from graphsvc.store.values import kind_of

IDENTIFIER_KINDS = ("phone", "email", "bank_account", "device", "address")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


def search_keys(q: str) -> dict[str, Any]:
    """Normalise a search box entry into the values the store holds: the same rules as
    the loader (full-width -> half-width, trim, case, phone digits only), so
    ``１３８-0013 8000`` finds phone ``13800138000`` and a lower-case ``x`` finds an ID number.

    >>> k = search_keys(" １３８-0013 8000 ")
    >>> k["q"], "phone:13800138000" in k["identifier_ids"]
    ('138-0013 8000', True)
    >>> search_keys("46010019900101123x")["id_number"]
    '46010019900101123X'
    """
    text = unicodedata.normalize("NFKC", q).strip()
    compact = re.sub(r"[\s-]", "", text).upper()
    id_number = compact if _ID_NUMBER.match(compact) else None
    keys = []
    for kind in IDENTIFIER_KINDS:
        value = normalise_identifier(kind, text)
        if value and (kind not in ("phone", "bank_account") or len(value) >= 5):
            keys.append(identifier_id(kind, value))
    return {"q": text, "id_number": id_number, "identifier_ids": sorted(set(keys))}


def search(store: Store, q: str, limit: int = 50) -> list[dict[str, Any]]:
    """Entities matching an id, ID number, person name, institution name part, or an
    identifier value (the participants holding it too). One entry per entity."""
    if not q or not q.strip():
        raise InputError("empty search", text_key="err.empty_search")
    if len(q) > 200:
        raise InputError(
            "search text too long (200 characters at most)", text_key="err.too_long", n=200
        )
    limit = max(1, min(limit, 200))
    # the graph holds keyed pseudonyms, not values (issue #14): hash the query the same way
    keys = keyed_search(pii_for_store(store), search_keys(q))
    rows = _read(store, "explore_search", {**keys, "limit": limit})
    out: dict[str, dict[str, Any]] = {}
    order = {"id": 0, "id_number": 1, "identifier": 2, "name": 3}
    for row in sorted(rows, key=lambda r: (order.get(r["via"], 9), entity_key(r["node"]))):
        node: Node = row["node"]
        key = entity_key(node)
        if key not in out:
            out[key] = {
                "key": key,
                "kind": kind_of(node),
                "id": node.properties.get("id"),
                "labels": list(node.labels),
                "properties": dict(node.properties),
                "via": row["via"],
            }
    return list(out.values())[:limit]
