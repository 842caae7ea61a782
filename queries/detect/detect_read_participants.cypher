// description: Detection input: participants (one page, keyset on id)
// params: after, limit
// mode: read
MATCH (p:Participant) WHERE p.id > $after
RETURN p.id AS page_key, p.id AS participant_id, p.gender AS gender, p.birth_date AS birth_date,
       p.insurance_type AS insurance_type, p.region_code AS region_code
ORDER BY page_key
LIMIT $limit
