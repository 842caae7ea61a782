// description: Project participants sharing identifiers (of the given kinds, held by 2..max_degree people) as an undirected graph weighted by identifiers shared
// params: graph, kinds, max_degree
// mode: read
MATCH (i:Identifier)
WHERE i.kind IN $kinds
MATCH (p:Participant)-[:HAS_IDENTIFIER]->(i)
WITH i, collect(DISTINCT p) AS holders
WHERE size(holders) >= 2 AND size(holders) <= $max_degree
UNWIND holders AS a
UNWIND holders AS b
WITH a, b, i
WHERE a.id < b.id
WITH a, b, count(DISTINCT i) AS shared
WITH gds.graph.project(
  $graph,
  a,
  b,
  {relationshipProperties: {weight: toFloat(shared)}},
  {undirectedRelationshipTypes: ['*']}
) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
