// description: Detection input: registered family account sharing (家庭共济) of holders with internal id in [$lo, $hi)
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (h:Participant) WHERE id(h) >= $lo AND id(h) < $hi
MATCH (h)-[f:SHARES_ACCOUNT]->(m:Participant)
RETURN collect(h.id + $sep + m.id + $sep + coalesce(f.relation, '') + $sep
       + coalesce(f.since, '')) AS packed
