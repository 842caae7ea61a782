// description: How many relationships of each type an entity has; `$label` from graphsvc.model
// params: id
// mode: read
MATCH (n:`$label` {id: $id})-[r]-()
RETURN type(r) AS type, count(r) AS count
ORDER BY type
