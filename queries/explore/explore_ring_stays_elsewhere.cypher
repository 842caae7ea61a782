// description: Settlements of a ring's participant members at other institutions strictly inside one of their stays at a member institution (the outside settlements of ghost stays)
// params: id, limit
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[:AT]->(i:Institution)<-[:HAS_MEMBER]-(g)
WHERE s.visit_type = 'inpatient'
MATCH (p)<-[:PATIENT]-(o:Prescription)-[:AT]->(j:Institution)
WHERE j.id <> i.id AND o.date > s.date AND o.date < s.discharge_date
RETURN DISTINCT p.id AS participant, o.id AS id, o.date AS date, j.id AS institution, j.name AS institution_name, o.total_amount AS amount, s.id AS stay
ORDER BY participant, date, id
LIMIT $limit
