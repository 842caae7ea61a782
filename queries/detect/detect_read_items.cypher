// description: Detection input: line items (item code, price, trace code) of a page of settlements
// params: after, limit, sep
// mode: read
MATCH (s:Prescription) WHERE s.id > $after
WITH s ORDER BY s.id LIMIT $limit
OPTIONAL MATCH (s)-[c:CONTAINS]->(it:Item)
// Packed rows: see detect_read_prescriptions.
RETURN s.id AS page_key,
       s.id + $sep + coalesce(it.id, '') + $sep + coalesce(toString(c.quantity), '') + $sep
       + coalesce(toString(c.unit_price), '') + $sep + coalesce(c.trace_code, '') AS packed
ORDER BY page_key, packed
