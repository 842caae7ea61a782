// description: Create new participants (the loader has checked they are not stored yet)
// params: rows [{id, props}], load_id
// mode: write
UNWIND $rows AS row
CREATE (n:Participant {id: row.id})
SET n += row.props, n.load_id = $load_id
