// description: Referrals of a ring's participant members, per (from institution, to institution, referring doctor)
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:REFERS]-(r:Referral)-[:REFERRED_TO]->(b:Institution)
MATCH (r)-[:REFERRED_FROM]->(a:Institution)
OPTIONAL MATCH (r)-[:REFERRED_BY]->(d:Doctor)
RETURN a AS from_node, b AS to_node, d AS doctor, count(r) AS count
