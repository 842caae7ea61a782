// description: Create a case node with its first history entries
// params: props, events
// mode: write
CREATE (c:Case)
SET c = $props
WITH c
UNWIND $events AS e
CREATE (c)-[:EVENT]->(ev:CaseEvent)
SET ev = e
RETURN c.id AS id, count(ev) AS events
