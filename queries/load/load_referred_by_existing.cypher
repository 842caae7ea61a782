// description: Link referrals already stored (a re-run after a crash) to their referring doctor, if the link is missing
// params: rows [{id, doctor_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (s:Referral {id: row.id})
MATCH (e:Doctor {id: row.doctor_id})
MERGE (s)-[r:REFERRED_BY]->(e)
  ON CREATE SET r.load_id = $load_id
