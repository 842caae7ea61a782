// description: Every institution with its region, the population of the random inspection draw
// params:
// mode: read
MATCH (i:Institution)
RETURN i.id AS id, i.name AS name, i.kind AS kind, i.region_code AS region
ORDER BY id
