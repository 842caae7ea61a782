// description: Tie a case to the participants it concerns, with their roles
// params: case_id, rows
// mode: write
MATCH (c:Case {id: $case_id})
UNWIND $rows AS row
MATCH (n:Participant {id: row.id})
MERGE (c)-[r:CONCERNS]->(n)
SET r.role = row.role
RETURN count(r) AS linked
