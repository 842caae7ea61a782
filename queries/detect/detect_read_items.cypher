// description: Detection input: line items (item code, price, trace code) of a page of settlements
// params: after, limit
// mode: read
MATCH (s:Prescription) WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $limit
OPTIONAL MATCH (s)-[c:CONTAINS]->(it:Item)
RETURN s.id AS page_key, s.id AS prescription_id, it.id AS item_code, c.quantity AS quantity,
       c.unit_price AS unit_price, c.trace_code AS trace_code
ORDER BY page_key, item_code
