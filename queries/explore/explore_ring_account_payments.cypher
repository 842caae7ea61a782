// description: Family-account payments (家庭共济) to or from a ring's participant members, per payer and patient
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[pb:PAID_BY_ACCOUNT]->(h:Participant)
WHERE h.id <> p.id
RETURN h AS holder, p AS patient, count(s) AS count, sum(pb.amount) AS amount
UNION
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(h:Participant)<-[pb:PAID_BY_ACCOUNT]-(s:Prescription)-[:PATIENT]->(p:Participant)
WHERE h.id <> p.id
RETURN h AS holder, p AS patient, count(s) AS count, sum(pb.amount) AS amount
