// description: Every relationship as type and endpoint ids, to compare two graphs exactly
// params:
// mode: read
MATCH (a)-[r]->(b)
RETURN type(r) AS type, a.id AS start, b.id AS end
