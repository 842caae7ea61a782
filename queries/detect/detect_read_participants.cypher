// description: Detection input: participants whose internal id is in [$lo, $hi)
// params: lo, hi, sep
// mode: read
// id_number is its keyed pseudonym, id_bucket that of birthplace+birth date+sex (#14);
// name_*_key: the keyed name forms record linkage compares (#15).
// One row per page: the page's rows as packed strings ($sep between fields, in the order
// of graphsvc.detection.io.FIELDS), collected into one list (see graphsvc/detection/io.py).
MATCH (p:Participant) WHERE id(p) >= $lo AND id(p) < $hi
RETURN collect(p.id + $sep + coalesce(p.id_number_key, p.id_number, '') + $sep + coalesce(p.gender, '') + $sep
       + coalesce(p.birth_date, '') + $sep + coalesce(p.insurance_type, '') + $sep
       + coalesce(p.region_code, '') + $sep + coalesce(p.id_bucket, '') + $sep
       + coalesce(p.name_fold_key, '') + $sep + coalesce(p.name_pinyin_key, '') + $sep
       + coalesce(p.name_surname_key, '')) AS packed
