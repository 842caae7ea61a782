// description: Institutions a participant settled at, with counts, amounts and first and last dates
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PATIENT]->(p:Participant {id: $id})
MATCH (s)-[:AT]->(i:Institution)
RETURN i AS node, count(s) AS count, sum(s.total_amount) AS amount, min(s.date) AS first,
       max(s.date) AS last
ORDER BY count DESC, amount DESC, i.id
LIMIT $limit
