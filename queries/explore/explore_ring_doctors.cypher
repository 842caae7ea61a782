// description: Settlements of a ring's participant members per prescribing doctor (count, amount)
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor)
RETURN p.id AS participant, d AS node, count(s) AS count, sum(s.total_amount) AS amount
