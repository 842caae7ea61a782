// description: Detection input: who holds which (normalised) identifier, for a page of participants
// params: after, limit
// mode: read
MATCH (p:Participant) WHERE p.id > $after
WITH p ORDER BY p.id LIMIT $limit
OPTIONAL MATCH (p)-[:HAS_IDENTIFIER]->(x:Identifier)
RETURN p.id AS page_key, p.id AS participant_id, x.kind AS kind, x.value AS value
ORDER BY page_key, kind, value
