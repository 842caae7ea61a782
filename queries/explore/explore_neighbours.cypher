// description: One breadth-first step: relationships of the given entities (one label) to their neighbours; `$label` from graphsvc.model
// params: ids, limit
// mode: read
UNWIND $ids AS nid
MATCH (n:`$label` {id: nid})-[r]-(m)
RETURN startNode(r).id AS start, endNode(r).id AS end, type(r) AS type, properties(r) AS props,
       n.id AS from_id, m AS node
ORDER BY from_id, type, m.id
LIMIT $limit
