// description: Detection input: referrals with internal id in [$lo, $hi): patient, from/to institution, referring doctor
// params: lo, hi, sep
// mode: read
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (r:Referral) WHERE id(r) >= $lo AND id(r) < $hi
OPTIONAL MATCH (r)-[:REFERS]->(p:Participant)
OPTIONAL MATCH (r)-[:REFERRED_FROM]->(f:Institution)
OPTIONAL MATCH (r)-[:REFERRED_BY]->(d:Doctor)
OPTIONAL MATCH (r)-[:REFERRED_TO]->(t:Institution)
RETURN collect(r.id + $sep + coalesce(p.id, '') + $sep + coalesce(f.id, '') + $sep
       + coalesce(d.id, '') + $sep + coalesce(t.id, '') + $sep + coalesce(r.date, '')) AS packed
