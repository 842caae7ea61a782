// description: Create line items not stored yet (keyed by their deterministic line_id), merging their catalogue item
// params: rows [{prescription_id, item_code, item_name, props}], load_id
// mode: write
UNWIND $rows AS row
MATCH (p:Prescription {id: row.prescription_id})
MERGE (t:Item {id: row.item_code})
  ON CREATE SET t.name = row.item_name, t.load_id = $load_id
CREATE (p)-[r:CONTAINS]->(t)
SET r += row.props, r.load_id = $load_id
