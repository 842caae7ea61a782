// description: History of a case (every change, comment and transfer), oldest first
// params: id
// mode: read
// tags: saved
MATCH (c:Case {id: $id})-[:EVENT]->(e:CaseEvent)
RETURN e.seq AS seq, e.at AS at, e.actor AS actor, e.action AS action, e.field AS field,
       e.old AS old, e.new AS new, e.text AS text, e.id AS id
ORDER BY seq
