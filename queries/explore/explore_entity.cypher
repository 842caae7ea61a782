// description: One entity node; `$label` is replaced by a label from graphsvc.model.ENTITY_KINDS
// params: id
// mode: read
MATCH (n:`$label` {id: $id})
RETURN n
