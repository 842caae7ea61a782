// description: Member nodes of a ring with their roles (ring subgraph)
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[m:HAS_MEMBER]->(e)
RETURN e AS node, m.role AS role
ORDER BY e.id
