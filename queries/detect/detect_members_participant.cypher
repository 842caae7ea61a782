// description: Tie a batch of rings to their participant members (rows: ring, id, role)
// params: rows
// mode: write
UNWIND $rows AS row
MATCH (g:Ring {id: row.ring})
MATCH (n:Participant {id: row.id})
CREATE (g)-[:HAS_MEMBER {role: row.role}]->(n)
