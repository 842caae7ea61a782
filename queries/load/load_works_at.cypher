// description: Link doctors created by this load to their institution
// params: rows [{id, institution_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (d:Doctor {id: row.id})
MATCH (i:Institution {id: row.institution_id})
CREATE (d)-[:WORKS_AT]->(i)
