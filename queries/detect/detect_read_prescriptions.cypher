// description: Detection input: settlements with internal id in [$lo, $hi), with patient, institution, prescriber and paying account
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (s:Prescription) WHERE id(s) >= $lo AND id(s) < $hi
OPTIONAL MATCH (s)-[:PATIENT]->(p:Participant)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
OPTIONAL MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
OPTIONAL MATCH (s)-[:PAID_BY_ACCOUNT]->(h:Participant)
RETURN collect(s.id + $sep + coalesce(p.id, '') + $sep + coalesce(i.id, '') + $sep
       + coalesce(d.id, '') + $sep + coalesce(s.date, '') + $sep
       + coalesce(s.discharge_date, '') + $sep + coalesce(s.visit_type, '') + $sep
       + coalesce(s.diagnosis_code, '') + $sep + coalesce(toString(s.total_amount), '') + $sep
       + coalesce(toString(s.fund_paid), '') + $sep + coalesce(h.id, '') + $sep
       + coalesce(toString(s.account_paid), '')) AS packed
