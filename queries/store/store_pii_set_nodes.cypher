// description: Migration to pseudonyms: replace raw personal properties by pseudonyms and masked forms; `$label` from graphsvc.security.migrate_pii.LABELS
// params: rows [{id, props}]
// mode: write
UNWIND $rows AS row
MATCH (n:`$label` {id: row.id})
SET n += row.props
