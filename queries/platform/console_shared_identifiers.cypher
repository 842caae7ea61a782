// description: Identifiers (phone, address, account, device) shared by at least $min_people participants
// params: min_people
// mode: read
// tags: saved
// defaults: min_people=3
MATCH (p:Participant)-[:HAS_IDENTIFIER]->(x:Identifier)
WITH x, count(DISTINCT p) AS people
WHERE people >= $min_people
RETURN x.kind AS kind, x.id AS identifier, people
ORDER BY people DESC, identifier
LIMIT 200
