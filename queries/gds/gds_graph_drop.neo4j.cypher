// description: Drop a projected graph from the GDS catalog (no error when it is gone)
// params: graph
// mode: read
CALL gds.graph.drop($graph, false)
YIELD graphName
RETURN graphName AS graph
