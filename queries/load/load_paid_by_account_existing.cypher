// description: Link settlements already stored (a re-run after a crash) to the paying account holder, if the link is missing
// params: rows [{id, holder_id, amount}], load_id
// mode: write
UNWIND $rows AS row
MATCH (p:Prescription {id: row.id})
MATCH (h:Participant {id: row.holder_id})
MERGE (p)-[r:PAID_BY_ACCOUNT]->(h)
  ON CREATE SET r.amount = row.amount, r.load_id = $load_id
