// description: Detection input: line items (item code, quantity, price, trace code) of settlements with internal id in [$lo, $hi)
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (s:Prescription) WHERE id(s) >= $lo AND id(s) < $hi
MATCH (s)-[c:CONTAINS]->(it:Item)
RETURN collect(s.id + $sep + it.id + $sep + coalesce(toString(c.quantity), '') + $sep
       + coalesce(toString(c.unit_price), '') + $sep + coalesce(c.trace_code, '')) AS packed
