"""Exploring the graph: ring lists, ring detail and subgraph, entities, neighbourhoods,
shortest connections and search. Routes and pages call these; they speak only the
Store interface and named queries in ``queries/explore/``.

One module per idea (issue #18): ``subgraph`` (the result every picture is, merging
and capping), ``masking`` (masked copies, entity links), ``query`` (named queries and
label placeholders), ``rings`` (list and detail), ``ring_graph`` (a ring's picture),
``entities``, ``neighbourhood``, ``paths`` and ``search``. The names below stay
importable from ``graphsvc.services.explore`` so callers need not know the split.
"""

from __future__ import annotations

from graphsvc.contract.typologies import TYPOLOGIES
from graphsvc.services.explore.entities import entity_facts, find_entity, label_of, parse_ref
from graphsvc.services.explore.masking import entity_link, masked
from graphsvc.services.explore.neighbourhood import MAX_HOPS, TERMINAL_LABELS, neighbourhood
from graphsvc.services.explore.paths import NEAR_PATHS_CAP, shortest_paths
from graphsvc.services.explore.ring_graph import ring_subgraph
from graphsvc.services.explore.rings import (
    MAX_PER_PAGE,
    SORT_KEYS,
    RingFilters,
    SortKey,
    current_run,
    find_ring,
    list_rings,
    parse_evidence,
    ring_detail,
)
from graphsvc.services.explore.search import IDENTIFIER_KINDS, search, search_keys
from graphsvc.services.explore.subgraph import MAX_VIEW_NODES, Subgraph, entity_key

__all__ = [
    "IDENTIFIER_KINDS",
    "MAX_HOPS",
    "MAX_PER_PAGE",
    "MAX_VIEW_NODES",
    "NEAR_PATHS_CAP",
    "SORT_KEYS",
    "TERMINAL_LABELS",
    "TYPOLOGIES",
    "RingFilters",
    "SortKey",
    "Subgraph",
    "current_run",
    "entity_facts",
    "entity_key",
    "entity_link",
    "find_entity",
    "find_ring",
    "label_of",
    "list_rings",
    "masked",
    "neighbourhood",
    "parse_evidence",
    "parse_ref",
    "ring_detail",
    "ring_subgraph",
    "search",
    "search_keys",
    "shortest_paths",
]
