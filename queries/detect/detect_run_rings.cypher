// description: Rings of one run with member counts by kind (highest score first)
// params: run_id
// mode: read
MATCH (g:Ring)-[:IN_RUN]->(r:DetectionRun {id: $run_id})
OPTIONAL MATCH (g)-[m:HAS_MEMBER]->(n)
RETURN g.ring_id AS ring_id, g.typology AS typology, g.score AS score,
       g.member_count AS member_count, count(m) AS linked_members
ORDER BY score DESC, ring_id
