// description: A participant's registered family-account links (either side), with relation, since and who holds the account
// params: id, limit
// mode: read
MATCH (p:Participant {id: $id})-[f:SHARES_ACCOUNT]-(o:Participant)
RETURN o AS node, f.relation AS relation, f.since AS since, startNode(f).id = p.id AS holder
ORDER BY o.id
LIMIT $limit
