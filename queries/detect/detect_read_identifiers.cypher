// description: Detection input: who holds which (normalised) identifier, for participants with internal id in [$lo, $hi)
// params: lo, hi, sep
// mode: read
// value is the identifier's keyed pseudonym (x.key; x.value only in unmigrated stores).
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (p:Participant) WHERE id(p) >= $lo AND id(p) < $hi
MATCH (p)-[:HAS_IDENTIFIER]->(x:Identifier)
RETURN collect(p.id + $sep + coalesce(x.kind, '') + $sep + coalesce(x.key, x.value, '')) AS packed
