// description: Merge registered family account sharing (家庭共济) between participants
// params: rows [{holder_id, member_id, props}], load_id
// mode: write
UNWIND $rows AS row
MATCH (h:Participant {id: row.holder_id})
MATCH (m:Participant {id: row.member_id})
MERGE (h)-[r:SHARES_ACCOUNT]->(m)
  ON CREATE SET r += row.props, r.load_id = $load_id
