// description: Detection input: institutions with kind, level and region
// params: after, limit
// mode: read
MATCH (i:Institution) WHERE i.id > $after
RETURN i.id AS page_key, i.id AS institution_id, i.kind AS kind, i.level AS level, i.region_code AS region_code
ORDER BY page_key
LIMIT $limit
