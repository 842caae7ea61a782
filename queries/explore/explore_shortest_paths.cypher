// description: Shortest connections (up to 4 hops, any direction) between two entities; not through drug/service items (catalogue hubs tie everyone and cost seconds); `$from_label`/`$to_label` from graphsvc.model
// params: from_id, to_id, limit
// mode: read
MATCH (a:`$from_label` {id: $from_id}), (b:`$to_label` {id: $to_id})
WITH a, b
MATCH p = allShortestPaths((a)-[:PATIENT|AT|PRESCRIBED_BY|PAID_BY_ACCOUNT|WORKS_AT|SHARES_ACCOUNT|HAS_IDENTIFIER|REFERS|REFERRED_FROM|REFERRED_TO|REFERRED_BY|HAS_MEMBER|FROM_RING|CONCERNS*1..4]-(b))
RETURN p
LIMIT $limit
