// description: Seeded Leiden modularity communities of a graph projected from stored nodes, by node id property
// params: graph, seed, gamma
// mode: read
CALL gds.leiden.stream($graph, {
  relationshipWeightProperty: 'weight',
  randomSeed: $seed,
  gamma: $gamma,
  concurrency: 1
})
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).id AS node, communityId AS community
ORDER BY node
