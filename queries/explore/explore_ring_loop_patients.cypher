// description: Patient members referred along each arc between a ring's member institutions (the fake-referral loop, patients per arc)
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:REFERS]-(r:Referral)-[:REFERRED_TO]->(b:Institution)<-[:HAS_MEMBER]-(g)
MATCH (r)-[:REFERRED_FROM]->(a:Institution)<-[:HAS_MEMBER]-(g)
RETURN a.id AS source, b.id AS target, count(DISTINCT p) AS patients, count(r) AS referrals
ORDER BY source, target
