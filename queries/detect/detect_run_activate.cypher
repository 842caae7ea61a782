// description: Make a run the current one; the previous current run (and its rings) stays, flagged not current
// params: run_id
// mode: write
OPTIONAL MATCH (old:DetectionRun {current: true}) WHERE old.id <> $run_id
SET old.current = false
WITH count(old) AS superseded
MATCH (r:DetectionRun {id: $run_id})
SET r.current = true
RETURN superseded
