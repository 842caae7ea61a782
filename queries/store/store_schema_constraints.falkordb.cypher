// description: Unique constraints that exist, with their status (PENDING while the server builds them)
// params:
// mode: read
CALL db.constraints() YIELD type, label, properties, status
RETURN type, label, properties, status
