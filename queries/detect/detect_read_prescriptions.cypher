// description: Detection input: settlements with patient, institution, prescriber and paying account
// params: after, limit
// mode: read
MATCH (s:Prescription) WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $limit
OPTIONAL MATCH (s)-[:PATIENT]->(p:Participant)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
OPTIONAL MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
OPTIONAL MATCH (s)-[:PAID_BY_ACCOUNT]->(h:Participant)
RETURN s.id AS page_key, s.id AS prescription_id, p.id AS participant_id, i.id AS institution_id,
       d.id AS doctor_id, s.date AS date, s.discharge_date AS discharge_date,
       s.visit_type AS visit_type, s.diagnosis_code AS diagnosis_code,
       s.total_amount AS total_amount, s.fund_paid AS fund_paid,
       h.id AS account_holder_id, s.account_paid AS account_paid
ORDER BY page_key
