// description: Line ids already stored for these settlements (reloads skip them)
// params: ids
// mode: read
UNWIND $ids AS id
MATCH (:Prescription {id: id})-[c:CONTAINS]->(:Item)
RETURN c.line_id AS line_id
