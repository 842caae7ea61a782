// description: One ring node by its content hash within a run
// params: ring_id, run_id
// mode: read
MATCH (g:Ring {run_id: $run_id})
WHERE g.ring_id = $ring_id
RETURN g
