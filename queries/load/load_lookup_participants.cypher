// description: Which of these participants ids the store holds already, with their content hash
// params: ids
// mode: read
UNWIND $ids AS id
MATCH (n:Participant {id: id})
RETURN n.id AS id, n.row_hash AS row_hash
