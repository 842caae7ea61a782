// description: Detection runs, newest first, with ring counts and the current flag
// params: limit
// mode: read
// tags: saved
// defaults: limit=20
MATCH (r:DetectionRun)
RETURN r.id AS run_id, r.started_at AS started_at, r.finished_at AS finished_at,
       r.current AS current, r.ring_count AS ring_count, r.typologies AS typologies
ORDER BY started_at DESC, run_id DESC
LIMIT $limit
