// description: Members of one ring (by its id run_id:ring_id) with their roles, as a graph
// params: ring_id
// mode: read
// tags: saved
MATCH (g:Ring {id: $ring_id})-[m:HAS_MEMBER]->(n)
RETURN g, m, n
ORDER BY m.role, n.id
