// description: How much an institution holds, by kind: its doctors, settlements, patients and referrals (the entity page's aggregates)
// params: id
// mode: read
MATCH (i:Institution {id: $id})
OPTIONAL MATCH (d:Doctor)-[:WORKS_AT]->(i)
WITH i, count(DISTINCT d) AS doctors
OPTIONAL MATCH (s:Prescription)-[:AT]->(i)
OPTIONAL MATCH (s)-[:PATIENT]->(p:Participant)
WITH i, doctors, count(DISTINCT s) AS settlements, count(DISTINCT p) AS patients
OPTIONAL MATCH (r:Referral)-[:REFERRED_FROM|REFERRED_TO]->(i)
RETURN doctors, settlements, patients, count(DISTINCT r) AS referrals
