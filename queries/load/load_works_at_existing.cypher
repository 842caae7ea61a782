// description: Link doctors already stored (a re-run after a crash) to their institution, if the link is missing
// params: rows [{id, institution_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (s:Doctor {id: row.id})
MATCH (e:Institution {id: row.institution_id})
MERGE (s)-[r:WORKS_AT]->(e)
  ON CREATE SET r.load_id = $load_id
