// description: The current detection run (the one flagged current = true)
// params:
// mode: read
MATCH (r:DetectionRun)
WHERE r.current = true
RETURN r.id AS id, r.started_at AS started_at, r.finished_at AS finished_at,
       r.ring_count AS ring_count
ORDER BY r.started_at DESC
LIMIT 1
