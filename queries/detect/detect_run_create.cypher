// description: Create a detection run, not yet current (detect_run_activate flips it)
// params: run_id, started_at, finished_at, params_json, ring_count, typologies
// mode: write
CREATE (r:DetectionRun {id: $run_id, started_at: $started_at, finished_at: $finished_at,
                        params_json: $params_json, current: false, ring_count: $ring_count,
                        typologies: $typologies})
RETURN r.id AS run_id
