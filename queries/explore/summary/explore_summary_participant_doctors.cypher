// description: Doctors who prescribed for a participant, with counts and amounts
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PATIENT]->(p:Participant {id: $id})
MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
RETURN d AS node, count(s) AS count, sum(s.total_amount) AS amount
ORDER BY count DESC, amount DESC, d.id
LIMIT $limit
