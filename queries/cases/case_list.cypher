// description: Cases, newest first, filtered by status, assignee, liaison or typology
// params: status, assignee, liaison, typology, offset, limit
// mode: read
// tags: saved
// defaults: status=null, assignee=null, liaison=null, typology=null, offset=0, limit=50
MATCH (c:Case)
WHERE ($status IS NULL OR c.status = $status)
  AND ($assignee IS NULL OR c.assignee = $assignee)
  AND ($liaison IS NULL OR c.liaison = $liaison)
  AND ($typology IS NULL OR c.typology = $typology)
RETURN c.id AS id, c.seq AS seq, c.title AS title, c.status AS status, c.typology AS typology,
       c.assignee AS assignee, c.liaison AS liaison, c.run_id AS run_id, c.ring_id AS ring_id,
       c.member_count AS member_count, c.amount_at_risk AS amount_at_risk,
       c.created_at AS created_at, c.updated_at AS updated_at, c.created_by AS created_by
ORDER BY seq DESC
SKIP $offset
LIMIT $limit
