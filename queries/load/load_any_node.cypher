// description: Whether the graph holds any node (an empty graph needs no lookups)
// params:
// mode: read
MATCH (n)
RETURN n.id AS id
LIMIT 1
