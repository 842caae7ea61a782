// description: Migration to pseudonyms (graphsvc store migrate-pii): one page of nodes by internal id, all their properties; `$label` from graphsvc.security.migrate_pii.LABELS
// params: lo, hi
// mode: read
MATCH (n:`$label`) WHERE id(n) >= $lo AND id(n) < $hi
RETURN n.id AS id, properties(n) AS props
