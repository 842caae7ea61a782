// description: Rings of one detection run matching optional filters (null = no filter); sorted and paged by the caller
// params: run_id, typology, region, min_score, min_amount, period_from, period_to
// mode: read
MATCH (g:Ring {run_id: $run_id})
WHERE ($typology IS NULL OR g.typology = $typology)
  AND ($region IS NULL OR g.region_code STARTS WITH $region)
  AND ($min_score IS NULL OR g.score >= $min_score)
  AND ($min_amount IS NULL OR g.amount_at_risk >= $min_amount)
  AND ($period_from IS NULL OR g.period_end >= $period_from)
  AND ($period_to IS NULL OR g.period_start <= $period_to)
RETURN g.id AS id, g.ring_id AS ring_id, g.run_id AS run_id, g.typology AS typology,
       g.score AS score, g.amount_at_risk AS amount_at_risk, g.member_count AS member_count,
       g.region_code AS region_code, g.period_start AS period_start, g.period_end AS period_end,
       g.reasons AS reasons, g.reasons_zh AS reasons_zh, g.clause AS clause
