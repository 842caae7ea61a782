// description: Seeded Leiden modularity communities of a projected graph, by GDS node id
// params: graph, seed, gamma
// mode: read
CALL gds.leiden.stream($graph, {
  relationshipWeightProperty: 'weight',
  randomSeed: $seed,
  gamma: $gamma,
  concurrency: 1
})
YIELD nodeId, communityId
RETURN nodeId AS node, communityId AS community
ORDER BY node
