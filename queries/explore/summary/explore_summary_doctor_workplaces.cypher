// description: The institutions a doctor works at
// params: id, limit
// mode: read
MATCH (d:Doctor {id: $id})-[:WORKS_AT]->(i:Institution)
RETURN i AS node
ORDER BY i.id
LIMIT $limit
