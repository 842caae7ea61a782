// description: A participant's inpatient stays, newest first, with where and how much
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PATIENT]->(p:Participant {id: $id})
WHERE s.visit_type = 'inpatient'
MATCH (s)-[:AT]->(i:Institution)
RETURN s.id AS id, s.date AS date, s.discharge_date AS discharge_date,
       s.diagnosis_code AS diagnosis_code, s.total_amount AS amount, s.fund_paid AS fund_paid,
       i AS node
ORDER BY date DESC, id
LIMIT $limit
