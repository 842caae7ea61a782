// description: Status of every case opened on a ring (confirmed counts more, dismissed clears)
// params:
// mode: read
MATCH (c:Case)
WHERE c.ring_id IS NOT NULL
RETURN c.ring_id AS ring_id, c.status AS status, c.updated_at AS updated_at
ORDER BY ring_id, updated_at
