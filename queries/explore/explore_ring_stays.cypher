// description: Inpatient stays of a ring's participant members at its member institutions (split / ghost hospitalisation timeline)
// params: id, limit
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[:AT]->(i:Institution)<-[:HAS_MEMBER]-(g)
WHERE s.visit_type = 'inpatient'
RETURN p.id AS participant, s.id AS id, s.date AS admitted, s.discharge_date AS discharged, i.id AS institution, s.diagnosis_code AS diagnosis, s.total_amount AS amount
ORDER BY participant, admitted, id
LIMIT $limit
