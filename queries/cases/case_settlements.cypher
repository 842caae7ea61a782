// description: Settlements of a case's participants within a period (evidence table)
// params: participant_ids, period_start, period_end, limit
// mode: read
MATCH (p:Participant) WHERE p.id IN $participant_ids
MATCH (s:Prescription)-[:PATIENT]->(p)
WHERE ($period_start IS NULL OR s.date >= $period_start)
  AND ($period_end IS NULL OR s.date <= $period_end)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
OPTIONAL MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
OPTIONAL MATCH (s)-[pa:PAID_BY_ACCOUNT]->(h:Participant)
RETURN s.id AS prescription_id, p.id AS participant_id, i.id AS institution_id,
       d.id AS doctor_id, s.date AS date, s.discharge_date AS discharge_date,
       s.visit_type AS visit_type, s.diagnosis_code AS diagnosis_code,
       s.total_amount AS total_amount, s.fund_paid AS fund_paid,
       h.id AS account_holder_id, s.account_paid AS account_paid
ORDER BY prescription_id
LIMIT $limit
