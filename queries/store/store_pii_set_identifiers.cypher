// description: Migration to pseudonyms: an identifier's id becomes kind:<pseudonym>, its value the masked form
// params: rows [{old, id, key, value}]
// mode: write
UNWIND $rows AS row
MATCH (x:Identifier {id: row.old})
SET x.id = row.id, x.key = row.key, x.value = row.value
