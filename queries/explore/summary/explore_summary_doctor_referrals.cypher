// description: Institutions a doctor referred patients to, with referrals and patients per partner
// params: id, limit
// mode: read
MATCH (r:Referral)-[:REFERRED_BY]->(d:Doctor {id: $id})
MATCH (r)-[:REFERRED_TO]->(t:Institution)
OPTIONAL MATCH (r)-[:REFERS]->(p:Participant)
RETURN t AS node, count(DISTINCT r) AS count, count(DISTINCT p) AS patients
ORDER BY count DESC, t.id
LIMIT $limit
