// description: Link referrals created by this load to the referring doctor
// params: rows [{id, doctor_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (r:Referral {id: row.id})
MATCH (d:Doctor {id: row.doctor_id})
CREATE (r)-[:REFERRED_BY]->(d)
