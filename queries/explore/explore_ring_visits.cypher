// description: Settlements of a ring's participant members per institution (count, amount), for aggregated VISITED edges
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[:AT]->(i:Institution)
RETURN p.id AS participant, i AS node, count(s) AS count, sum(s.total_amount) AS amount
