// description: Where a ring's doctor members work
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(d:Doctor)-[:WORKS_AT]->(i:Institution)
RETURN d.id AS doctor, i AS node
