// description: Project participants seen by the same provider (doctor, else institution) on the same day, sessions of 2..max_session_size, as an undirected graph weighted by co-visits
// params: graph, max_session_size, min_covisits
// mode: read
MATCH (rx:Prescription)-[:PATIENT]->(p:Participant)
WHERE coalesce(rx.visit_type, '') <> 'pharmacy' AND rx.date IS NOT NULL
MATCH (rx)-[:AT]->(i:Institution)
OPTIONAL MATCH (rx)-[:PRESCRIBED_BY]->(d:Doctor)
WITH coalesce(d.id, 'I:' + i.id) AS provider, rx.date AS day, collect(DISTINCT p) AS patients
WHERE size(patients) >= 2 AND size(patients) <= $max_session_size
UNWIND patients AS a
UNWIND patients AS b
WITH a, b
WHERE a.id < b.id
WITH a, b, count(*) AS covisits
WHERE covisits >= $min_covisits
WITH gds.graph.project(
  $graph,
  a,
  b,
  {relationshipProperties: {weight: toFloat(covisits)}},
  {undirectedRelationshipTypes: ['*']}
) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
