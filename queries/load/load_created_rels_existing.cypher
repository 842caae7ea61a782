// description: Relationships one load added to nodes it did not create, per type (load report)
// params: load_id
// mode: read
MATCH (n)-[r]->()
WHERE r.load_id = $load_id AND (n.load_id IS NULL OR n.load_id <> $load_id)
RETURN type(r) AS type, count(r) AS n
