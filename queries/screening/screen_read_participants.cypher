// description: Screening index input: participants with internal id in [$lo, $hi), with their ID number (duplicate enrolment)
// params: lo, hi, sep
// mode: read
// One row per page: packed strings (id, id_number, region_code), see graphsvc/screening/io.py.
MATCH (p:Participant) WHERE id(p) >= $lo AND id(p) < $hi
RETURN collect(p.id + $sep + coalesce(p.id_number, '') + $sep + coalesce(p.region_code, '')) AS packed
