// description: Link settlements paid from another person's personal account (家庭共济)
// params: rows [{id, holder_id, amount}], load_id
// mode: write
UNWIND $rows AS row
MATCH (p:Prescription {id: row.id})
MATCH (h:Participant {id: row.holder_id})
CREATE (p)-[r:PAID_BY_ACCOUNT]->(h)
SET r.amount = row.amount
