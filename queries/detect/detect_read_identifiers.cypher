// description: Detection input: who holds which (normalised) identifier, for a page of participants
// params: after, limit, sep
// mode: read
MATCH (p:Participant) WHERE p.id > $after
WITH p ORDER BY p.id LIMIT $limit
OPTIONAL MATCH (p)-[:HAS_IDENTIFIER]->(x:Identifier)
// Packed rows: see detect_read_prescriptions.
RETURN p.id AS page_key,
       p.id + $sep + coalesce(x.kind, '') + $sep + coalesce(x.value, '') AS packed
ORDER BY page_key, packed
