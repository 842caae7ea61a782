// description: Line items of given settlements (evidence table)
// params: prescription_ids
// mode: read
MATCH (s:Prescription) WHERE s.id IN $prescription_ids
MATCH (s)-[c:CONTAINS]->(it:Item)
RETURN s.id AS prescription_id, c.line_id AS line_id, it.id AS item_code, it.name AS item_name,
       c.quantity AS quantity, c.unit_price AS unit_price, c.trace_code AS trace_code
ORDER BY prescription_id, line_id, item_code
