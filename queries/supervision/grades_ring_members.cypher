// description: Members of the current run's rings with ring score, money and typology (credit grades)
// params:
// mode: read
MATCH (run:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[m:HAS_MEMBER]->(e)
RETURN run.id AS run_id, g.id AS ring, g.ring_id AS ring_id, g.typology AS typology,
       g.score AS score, g.amount_at_risk AS amount, labels(e) AS labels, e.id AS id,
       m.role AS role
ORDER BY ring, id
