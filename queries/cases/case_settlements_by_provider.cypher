// description: Settlements a case's doctors prescribed at its institutions (cases without participants)
// params: doctor_ids, institution_ids, period_start, period_end, limit
// mode: read
MATCH (d:Doctor) WHERE d.id IN $doctor_ids
MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d)
MATCH (s)-[:AT]->(i:Institution)
WHERE (size($institution_ids) = 0 OR i.id IN $institution_ids)
  AND ($period_start IS NULL OR s.date >= $period_start)
  AND ($period_end IS NULL OR s.date <= $period_end)
MATCH (s)-[:PATIENT]->(p:Participant)
OPTIONAL MATCH (s)-[pa:PAID_BY_ACCOUNT]->(h:Participant)
RETURN s.id AS prescription_id, p.id AS participant_id, i.id AS institution_id,
       d.id AS doctor_id, s.date AS date, s.discharge_date AS discharge_date,
       s.visit_type AS visit_type, s.diagnosis_code AS diagnosis_code,
       s.total_amount AS total_amount, s.fund_paid AS fund_paid,
       h.id AS account_holder_id, s.account_paid AS account_paid
ORDER BY prescription_id
LIMIT $limit
