// description: Create new settlements with their patient and institution edges
// params: rows [{id, props, participant_id, institution_id}], load_id
// mode: write
UNWIND $rows AS row
MATCH (a:Participant {id: row.participant_id})
MATCH (i:Institution {id: row.institution_id})
CREATE (p:Prescription {id: row.id})
SET p += row.props, p.load_id = $load_id
CREATE (p)-[:PATIENT]->(a), (p)-[:AT]->(i)
