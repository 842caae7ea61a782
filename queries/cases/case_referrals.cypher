// description: Referrals of a case's participants or made by its doctors
// params: participant_ids, doctor_ids
// mode: read
MATCH (p:Participant) WHERE p.id IN $participant_ids
MATCH (r:Referral)-[:REFERS]->(p)
OPTIONAL MATCH (r)-[:REFERRED_FROM]->(f:Institution)
OPTIONAL MATCH (r)-[:REFERRED_TO]->(t:Institution)
OPTIONAL MATCH (r)-[:REFERRED_BY]->(d:Doctor)
RETURN r.id AS referral_id, p.id AS participant_id, f.id AS from_institution_id,
       d.id AS from_doctor_id, t.id AS to_institution_id, r.date AS date
UNION
MATCH (d:Doctor) WHERE d.id IN $doctor_ids
MATCH (r:Referral)-[:REFERRED_BY]->(d)
MATCH (r)-[:REFERS]->(p:Participant)
OPTIONAL MATCH (r)-[:REFERRED_FROM]->(f:Institution)
OPTIONAL MATCH (r)-[:REFERRED_TO]->(t:Institution)
RETURN r.id AS referral_id, p.id AS participant_id, f.id AS from_institution_id,
       d.id AS from_doctor_id, t.id AS to_institution_id, r.date AS date
