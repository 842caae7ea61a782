// description: Members (kind label, id, role) of the given rings
// params: ids
// mode: read
UNWIND $ids AS rid
MATCH (g:Ring {id: rid})-[m:HAS_MEMBER]->(e)
RETURN rid AS ring, labels(e) AS labels, e.id AS id, m.role AS role
