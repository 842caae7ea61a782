// description: Detection input: doctors and the institution they work at
// params: after, limit
// mode: read
MATCH (d:Doctor) WHERE d.id > $after
OPTIONAL MATCH (d)-[:WORKS_AT]->(i:Institution)
RETURN d.id AS page_key, d.id AS doctor_id, i.id AS institution_id, d.department AS department
ORDER BY page_key
LIMIT $limit
