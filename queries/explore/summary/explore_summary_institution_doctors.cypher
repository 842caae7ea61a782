// description: An institution's doctors with the settlements each prescribed there, busiest first
// params: id, limit
// mode: read
MATCH (d:Doctor)-[:WORKS_AT]->(i:Institution {id: $id})
OPTIONAL MATCH (i)<-[:AT]-(s:Prescription)-[:PRESCRIBED_BY]->(d)
RETURN d AS node, count(s) AS count, sum(s.total_amount) AS amount
ORDER BY count DESC, d.id
LIMIT $limit
