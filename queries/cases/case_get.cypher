// description: One case with every property
// params: id
// mode: read
MATCH (c:Case {id: $id})
RETURN c
