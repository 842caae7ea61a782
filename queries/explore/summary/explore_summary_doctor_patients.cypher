// description: A doctor's top patients by amount prescribed
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor {id: $id})
MATCH (s)-[:PATIENT]->(p:Participant)
RETURN p AS node, count(s) AS count, sum(s.total_amount) AS amount, sum(s.fund_paid) AS fund_paid
ORDER BY amount DESC, count DESC, p.id
LIMIT $limit
