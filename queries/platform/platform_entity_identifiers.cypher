// description: Identifiers (phones, addresses, accounts) of one entity, for an audited unmask; `$label` from graphsvc.model.ENTITY_KINDS
// params: id
// mode: read
MATCH (n:`$label` {id: $id})-[:HAS_IDENTIFIER]->(x:Identifier)
RETURN x.id AS id, x.kind AS kind, x.value AS value
ORDER BY x.id
