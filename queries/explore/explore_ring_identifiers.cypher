// description: Identifiers shared by two or more participant members of a ring (ring subgraph)
// params: id, limit
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(p:Participant)-[:HAS_IDENTIFIER]->(i:Identifier)
WITH i, collect(DISTINCT p.id) AS holders
WHERE size(holders) >= 2
RETURN i AS node, holders
ORDER BY size(holders) DESC, i.id
LIMIT $limit
