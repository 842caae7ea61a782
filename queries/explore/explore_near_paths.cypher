// description: Connections of one or two hops between two entities, shortest first (the cheap first step of explore.shortest_paths); the same relationship types as explore_shortest_paths; `$from_label`/`$to_label` from graphsvc.model
// params: from_id, to_id, cap
// mode: read
// A plain variable-length match with both ends bound costs ~0.3 ms where
// allShortestPaths costs ~5 ms on FalkorDB (200k participants, measured); a path of
// the shortest length never repeats a node, so these are the shortest paths when any
// exist within two hops.
MATCH (a:`$from_label` {id: $from_id}), (b:`$to_label` {id: $to_id})
MATCH p = (a)-[:PATIENT|AT|PRESCRIBED_BY|PAID_BY_ACCOUNT|WORKS_AT|SHARES_ACCOUNT|HAS_IDENTIFIER|REFERS|REFERRED_FROM|REFERRED_TO|REFERRED_BY|HAS_MEMBER|FROM_RING|CONCERNS*1..2]-(b)
WITH p, length(p) AS hops
ORDER BY hops
LIMIT $cap
RETURN p, hops
