// description: Current-run rings with a member among the given ids, with the ring's evidence (tip-off triage)
// params: ids
// mode: read
MATCH (run:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[m:HAS_MEMBER]->(e)
WHERE e.id IN $ids
RETURN g.id AS ring, g.ring_id AS ring_id, g.typology AS typology, g.score AS score,
       g.amount_at_risk AS amount, g.reasons AS reasons, g.reasons_zh AS reasons_zh,
       labels(e) AS labels, e.id AS id, m.role AS role
ORDER BY score DESC, ring, id
