// description: Delete relationships a load added between nodes it did not create
// params: load_id, limit
// mode: write
MATCH ()-[r]->()
WHERE r.load_id = $load_id
WITH r LIMIT $limit
DELETE r
RETURN count(r) AS deleted
