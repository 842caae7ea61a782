// description: Rings an entity is a member of (any run), with role and whether the run is current; `$label` from graphsvc.model
// params: id
// mode: read
MATCH (g:Ring)-[m:HAS_MEMBER]->(n:`$label` {id: $id})
OPTIONAL MATCH (g)-[:IN_RUN]->(run:DetectionRun)
RETURN g.id AS id, g.ring_id AS ring_id, g.run_id AS run_id, g.typology AS typology,
       g.score AS score, g.amount_at_risk AS amount_at_risk, g.member_count AS member_count,
       m.role AS role, coalesce(run.current, false) AS current
ORDER BY current DESC, score DESC, id
