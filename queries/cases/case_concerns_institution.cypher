// description: Tie a case to the institutions it concerns, with their roles
// params: case_id, rows
// mode: write
MATCH (c:Case {id: $case_id})
UNWIND $rows AS row
MATCH (n:Institution {id: row.id})
MERGE (c)-[r:CONCERNS]->(n)
SET r.role = row.role
RETURN count(r) AS linked
