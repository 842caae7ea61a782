// description: Write a batch of rings of a run (rows: Ring properties) and tie them to the run
// params: rows, run_id
// mode: write
MATCH (r:DetectionRun {id: $run_id})
UNWIND $rows AS row
CREATE (g:Ring {id: row.id, ring_id: row.ring_id, run_id: $run_id, typology: row.typology,
                score: row.score, amount_at_risk: row.amount_at_risk, reasons: row.reasons,
                reasons_zh: row.reasons_zh,
                clause: row.clause, period_start: row.period_start, period_end: row.period_end,
                region_code: row.region_code, member_count: row.member_count,
                created_at: row.created_at, evidence_json: row.evidence_json,
                params_json: row.params_json})
CREATE (g)-[:IN_RUN]->(r)
