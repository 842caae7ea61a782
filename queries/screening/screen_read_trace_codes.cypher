// description: Screening index input: the trace codes (追溯码) of line items of settlements with internal id in [$lo, $hi), as settlement id + code
// params: lo, hi, sep
// mode: read
// Only items that carry a trace code, and only the two fields the index keeps: the
// detection read of every item and every column is ten times the data.
MATCH (s:Prescription) WHERE id(s) >= $lo AND id(s) < $hi
MATCH (s)-[c:CONTAINS]->(:Item)
WHERE c.trace_code IS NOT NULL AND c.trace_code <> ''
RETURN collect(s.id + $sep + c.trace_code) AS packed
