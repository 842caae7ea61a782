// description: One entity with all its properties, for an audited unmask; `$label` from graphsvc.model.ENTITY_KINDS
// params: id
// mode: read
MATCH (n:`$label` {id: $id})
RETURN n
LIMIT 1
