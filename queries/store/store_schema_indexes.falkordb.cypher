// description: Range indexes that exist, so ensure_schema creates only the missing ones (issue #19: a failing CREATE in the append-only log broke restarts)
// params:
// mode: read
CALL db.indexes() YIELD label, properties, entitytype
WHERE entitytype = 'NODE'
RETURN label, properties
