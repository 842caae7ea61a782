// description: Detection input: referrals with patient, from/to institution and referring doctor
// params: after, limit
// mode: read
MATCH (r:Referral) WHERE r.id > $after
WITH r ORDER BY r.id LIMIT $limit
OPTIONAL MATCH (r)-[:REFERS]->(p:Participant)
OPTIONAL MATCH (r)-[:REFERRED_FROM]->(f:Institution)
OPTIONAL MATCH (r)-[:REFERRED_TO]->(t:Institution)
OPTIONAL MATCH (r)-[:REFERRED_BY]->(d:Doctor)
RETURN r.id AS page_key, r.id AS referral_id, p.id AS participant_id, f.id AS from_institution_id,
       d.id AS from_doctor_id, t.id AS to_institution_id, r.date AS date
ORDER BY page_key
