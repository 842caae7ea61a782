// description: A ring to open a case from: by full id (run:ring), or by ring_id in the current run
// params: ring_ref
// mode: read
MATCH (g:Ring)-[:IN_RUN]->(r:DetectionRun)
WHERE g.id = $ring_ref OR (g.ring_id = $ring_ref AND r.current = true)
RETURN g AS ring, r.id AS run_id, r.params_json AS run_params_json, r.current AS current
ORDER BY r.current DESC
LIMIT 1
