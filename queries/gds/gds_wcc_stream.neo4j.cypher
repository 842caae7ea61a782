// description: Weakly connected components of a projected graph, by GDS node id
// params: graph
// mode: read
CALL gds.wcc.stream($graph, {concurrency: 1})
YIELD nodeId, componentId
RETURN nodeId AS node, componentId AS community
ORDER BY node
