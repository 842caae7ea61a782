// description: Tie a case to the ring it was opened from
// params: case_id, ring_key
// mode: write
MATCH (c:Case {id: $case_id})
MATCH (g:Ring {id: $ring_key})
MERGE (c)-[:FROM_RING]->(g)
RETURN count(g) AS linked
