// description: Link settlements created by this load to the prescribing doctor
// params: rows [{id, doctor_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (p:Prescription {id: row.id})
MATCH (d:Doctor {id: row.doctor_id})
CREATE (p)-[:PRESCRIBED_BY]->(d)
