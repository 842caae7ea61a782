// description: Institutions that referred patients to an institution, with referrals and patients per partner
// params: id, limit
// mode: read
MATCH (r:Referral)-[:REFERRED_TO]->(i:Institution {id: $id})
MATCH (r)-[:REFERRED_FROM]->(f:Institution)
OPTIONAL MATCH (r)-[:REFERS]->(p:Participant)
RETURN f AS node, count(DISTINCT r) AS count, count(DISTINCT p) AS patients
ORDER BY count DESC, f.id
LIMIT $limit
