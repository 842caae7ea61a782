// description: Members of a ring with their roles (snapshotted into a new case)
// params: ring_key
// mode: read
MATCH (g:Ring {id: $ring_key})-[m:HAS_MEMBER]->(n)
RETURN labels(n) AS labels, n.id AS id, m.role AS role
ORDER BY id
