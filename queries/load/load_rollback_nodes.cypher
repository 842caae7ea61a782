// description: Delete the nodes (and their relationships) a load created
// params: load_id, limit
// mode: write
MATCH (n)
WHERE n.load_id = $load_id
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(n) AS deleted
