// description: Settlements paid from another person's account: paid_for (this account paid for others) and paid_by (others paid for this person)
// params: id, limit
// mode: read
MATCH (s:Prescription)-[a:PAID_BY_ACCOUNT]->(p:Participant {id: $id})
MATCH (s)-[:PATIENT]->(o:Participant)
WHERE o.id <> p.id
RETURN o AS node, 'paid_for' AS direction, count(s) AS count, sum(a.amount) AS amount
LIMIT $limit
UNION ALL
MATCH (s:Prescription)-[:PATIENT]->(p:Participant {id: $id})
MATCH (s)-[a:PAID_BY_ACCOUNT]->(o:Participant)
WHERE o.id <> p.id
RETURN o AS node, 'paid_by' AS direction, count(s) AS count, sum(a.amount) AS amount
LIMIT $limit
