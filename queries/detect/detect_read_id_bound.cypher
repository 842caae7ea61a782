// description: Detection input: one past the highest internal node id (the end of the id-range pages)
// params:
// mode: read
MATCH (n)
RETURN coalesce(max(id(n)), -1) + 1 AS bound
