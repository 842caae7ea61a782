// description: Detection input: doctors with internal id in [$lo, $hi) and the institution they work at
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (d:Doctor) WHERE id(d) >= $lo AND id(d) < $hi
OPTIONAL MATCH (d)-[:WORKS_AT]->(i:Institution)
RETURN collect(d.id + $sep + coalesce(i.id, '') + $sep + coalesce(d.department, '')) AS packed
