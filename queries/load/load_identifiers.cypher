// description: Merge identifier nodes (shared between participants) and link them
// params: rows [{participant_id, id, kind, value, key, props}], load_id
// mode: write
// id is kind:<pseudonym>, value the masked display form, key the pseudonym (issue #14)
UNWIND $rows AS row
MATCH (p:Participant {id: row.participant_id})
MERGE (x:Identifier {id: row.id})
  ON CREATE SET x.kind = row.kind, x.value = row.value, x.key = row.key, x.load_id = $load_id
MERGE (p)-[r:HAS_IDENTIFIER]->(x)
  ON CREATE SET r += row.props, r.load_id = $load_id
