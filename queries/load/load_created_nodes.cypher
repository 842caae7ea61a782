// description: Nodes created by one load, per label (verification and reports)
// params: load_id
// mode: read
MATCH (n)
WHERE n.load_id = $load_id
RETURN labels(n)[0] AS label, count(n) AS n
