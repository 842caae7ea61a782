// description: Registered family account links (SHARES_ACCOUNT) touching a ring's participant members
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(a:Participant)-[r:SHARES_ACCOUNT]->(b:Participant)
RETURN a AS holder, b AS member, r.relation AS relation, r.since AS since
UNION
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(b:Participant)<-[r:SHARES_ACCOUNT]-(a:Participant)
RETURN a AS holder, b AS member, r.relation AS relation, r.since AS since
