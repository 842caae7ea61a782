// description: Project a weighted edge list (integer node ids) as an undirected graph into the GDS catalog
// params: graph, edges [{s, t, w}]
// mode: read
UNWIND $edges AS e
WITH gds.graph.project(
  $graph,
  e.s,
  e.t,
  {relationshipProperties: {weight: e.w}},
  {undirectedRelationshipTypes: ['*']}
) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
