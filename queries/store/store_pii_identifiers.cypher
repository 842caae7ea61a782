// description: Migration to pseudonyms: identifiers still holding a raw value (no key yet), one page
// params: limit
// mode: read
MATCH (x:Identifier) WHERE x.key IS NULL
RETURN x.id AS id, x.kind AS kind, x.value AS value
LIMIT $limit
