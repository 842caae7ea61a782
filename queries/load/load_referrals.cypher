// description: Create new referrals with their patient and institution edges
// params: rows [{id, props, participant_id, from_id, to_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (a:Participant {id: row.participant_id})
MATCH (f:Institution {id: row.from_id})
MATCH (t:Institution {id: row.to_id})
CREATE (r:Referral {id: row.id})
SET r += row.props, r.load_id = $load_id
CREATE (r)-[:REFERS]->(a), (r)-[:REFERRED_FROM]->(f), (r)-[:REFERRED_TO]->(t)
