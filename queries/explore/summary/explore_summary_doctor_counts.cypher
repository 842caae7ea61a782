// description: How much a doctor holds, by kind: workplaces, settlements prescribed, patients, institutions settled at, referrals made
// params: id
// mode: read
MATCH (d:Doctor {id: $id})
OPTIONAL MATCH (d)-[:WORKS_AT]->(w:Institution)
WITH d, count(DISTINCT w) AS workplaces
OPTIONAL MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d)
OPTIONAL MATCH (s)-[:PATIENT]->(p:Participant)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
WITH d, workplaces, count(DISTINCT s) AS settlements, count(DISTINCT p) AS patients,
     count(DISTINCT i) AS institutions
OPTIONAL MATCH (r:Referral)-[:REFERRED_BY]->(d)
RETURN workplaces, settlements, patients, institutions, count(DISTINCT r) AS referrals
