// description: Registered family account sharing touching a case's participants
// params: participant_ids
// mode: read
MATCH (h:Participant) WHERE h.id IN $participant_ids
MATCH (h)-[r:SHARES_ACCOUNT]->(m:Participant)
RETURN h.id AS holder_id, m.id AS member_id, r.relation AS relation, r.since AS since
UNION
MATCH (m:Participant) WHERE m.id IN $participant_ids
MATCH (h:Participant)-[r:SHARES_ACCOUNT]->(m)
RETURN h.id AS holder_id, m.id AS member_id, r.relation AS relation, r.since AS since
