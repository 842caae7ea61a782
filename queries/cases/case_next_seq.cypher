// description: Highest case sequence number so far (case numbers count up from it)
// params:
// mode: read
MATCH (c:Case)
RETURN coalesce(max(c.seq), 0) AS seq
