// description: Detection input: settlements with patient, institution, prescriber and paying account
// params: after, limit, sep
// mode: read
MATCH (s:Prescription) WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $limit
OPTIONAL MATCH (s)-[:PATIENT]->(p:Participant)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
OPTIONAL MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
OPTIONAL MATCH (s)-[:PAID_BY_ACCOUNT]->(h:Participant)
// One packed string per row ($sep between fields, in graphsvc.detection.io.PACKED order):
// the client parses one string far faster than twelve cells.
RETURN s.id AS page_key,
       s.id + $sep + coalesce(p.id, '') + $sep + coalesce(i.id, '') + $sep
       + coalesce(d.id, '') + $sep + coalesce(s.date, '') + $sep
       + coalesce(s.discharge_date, '') + $sep + coalesce(s.visit_type, '') + $sep
       + coalesce(s.diagnosis_code, '') + $sep + coalesce(toString(s.total_amount), '') + $sep
       + coalesce(toString(s.fund_paid), '') + $sep + coalesce(h.id, '') + $sep
       + coalesce(toString(s.account_paid), '') AS packed
ORDER BY page_key
