// description: Detection input: institutions (kind, level, region) with internal id in [$lo, $hi)
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (i:Institution) WHERE id(i) >= $lo AND id(i) < $hi
RETURN collect(i.id + $sep + coalesce(i.kind, '') + $sep + coalesce(toString(i.level), '') + $sep
       + coalesce(i.region_code, '')) AS packed
