// description: Weakly connected components of a graph projected from stored nodes, by node id property
// params: graph
// mode: read
CALL gds.wcc.stream($graph, {concurrency: 1})
YIELD nodeId, componentId
RETURN gds.util.asNode(nodeId).id AS node, componentId AS community
ORDER BY node
