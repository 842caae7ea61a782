// description: Link settlements already stored (a re-run after a crash) to their prescribing doctor, if the link is missing
// params: rows [{id, doctor_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (s:Prescription {id: row.id})
MATCH (e:Doctor {id: row.doctor_id})
MERGE (s)-[r:PRESCRIBED_BY]->(e)
  ON CREATE SET r.load_id = $load_id
