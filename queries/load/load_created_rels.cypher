// description: Relationships leaving nodes created by one load, per type (verification)
// params: load_id
// mode: read
MATCH (n)-[r]->()
WHERE n.load_id = $load_id
RETURN type(r) AS type, count(r) AS n
