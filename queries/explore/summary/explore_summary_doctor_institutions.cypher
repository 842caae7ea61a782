// description: Where a doctor's prescriptions were settled (pharmacies among them), with counts and amounts
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor {id: $id})
MATCH (s)-[:AT]->(i:Institution)
RETURN i AS node, count(s) AS count, sum(s.total_amount) AS amount
ORDER BY amount DESC, count DESC, i.id
LIMIT $limit
