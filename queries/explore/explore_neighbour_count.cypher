// description: How many distinct neighbours the given entities (one label) have; `$label` from graphsvc.model
// params: ids
// mode: read
UNWIND $ids AS nid
MATCH (n:`$label` {id: nid})-[r]-(m)
RETURN count(DISTINCT m) AS neighbours
