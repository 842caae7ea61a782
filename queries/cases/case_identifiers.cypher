// description: Identifiers of a case's participants and how many participants hold each
// params: participant_ids
// mode: read
MATCH (p:Participant) WHERE p.id IN $participant_ids
MATCH (p)-[:HAS_IDENTIFIER]->(x:Identifier)
MATCH (x)<-[:HAS_IDENTIFIER]-(o:Participant)
RETURN p.id AS participant_id, x.id AS identifier_id, x.kind AS kind, x.value AS value,
       count(o) AS holders
ORDER BY participant_id, identifier_id
