// description: Change a case if nobody changed it since it was read (version check), with history
// params: id, version, props, events
// mode: write
MATCH (c:Case {id: $id})
WHERE c.version = $version
SET c += $props, c.version = $version + 1
WITH c
UNWIND $events AS e
CREATE (c)-[:EVENT]->(ev:CaseEvent)
SET ev = e
RETURN c.version AS version, count(ev) AS events
