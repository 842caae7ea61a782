// description: One ring node by its full id (run_id:ring_id)
// params: id
// mode: read
MATCH (g:Ring {id: $id})
RETURN g
