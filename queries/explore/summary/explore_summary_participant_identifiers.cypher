// description: A participant's identifiers and how many other participants hold each
// params: id, limit
// mode: read
MATCH (p:Participant {id: $id})-[:HAS_IDENTIFIER]->(x:Identifier)
OPTIONAL MATCH (x)<-[:HAS_IDENTIFIER]-(o:Participant)
WHERE o.id <> p.id
RETURN x AS node, count(DISTINCT o) AS others
ORDER BY others DESC, x.id
LIMIT $limit
