// description: Settlements per day of a ring's participant members with its member doctors or institutions (organised visits: people x session dates)
// params: id, limit
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)<-[:PATIENT]-(s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor)<-[:HAS_MEMBER]-(g)
RETURN p.id AS participant, s.date AS date, count(s) AS visits
ORDER BY participant, date
LIMIT $limit
