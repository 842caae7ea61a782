// description: Rings of the current detection run per typology: count, members, amount at risk
// params:
// mode: read
// tags: saved
MATCH (g:Ring)-[:IN_RUN]->(r:DetectionRun)
WHERE r.current = true
RETURN g.typology AS typology, count(g) AS rings, sum(g.member_count) AS members,
       round(sum(g.amount_at_risk)) AS amount_at_risk
ORDER BY amount_at_risk DESC, typology
