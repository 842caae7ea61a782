// description: Create new institutions (the loader has checked they are not stored yet)
// params: rows [{id, props}], load_id
// mode: write
UNWIND $rows AS row
CREATE (n:Institution {id: row.id})
SET n += row.props, n.load_id = $load_id
