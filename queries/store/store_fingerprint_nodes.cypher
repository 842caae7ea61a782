// description: Every node's first label and id, to compare two graphs exactly (crash-recovery tests and checks)
// params:
// mode: read
MATCH (n)
RETURN labels(n)[0] AS label, n.id AS id
