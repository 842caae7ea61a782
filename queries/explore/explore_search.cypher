// description: Find entities by exact id, ring hash, ID number, exact person name, institution name part, or normalised identifier keys
// params: q, id_number, identifier_ids, limit, id_number_key, name_key
// mode: read
// ID numbers, names and identifier ids are matched by their keyed pseudonyms (issue #14:
// the graph holds no raw value); the caller hashes the query (graphsvc.security.vault).
MATCH (n:Participant {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Doctor {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Institution {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Prescription {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Referral {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Item {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Ring {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Case {id: $q}) RETURN n AS node, 'id' AS via
UNION
MATCH (n:Ring) WHERE n.ring_id = $q RETURN n AS node, 'id' AS via LIMIT $limit
UNION
// A null $id_number must not reach the property match: FalkorDB then scans every
// participant (22 ms on 200k, measured). Unwinding an empty list costs nothing.
UNWIND CASE WHEN $id_number_key IS NULL THEN [] ELSE [$id_number_key] END AS k
MATCH (n:Participant {id_number_key: k}) RETURN n AS node, 'id_number' AS via
UNION
MATCH (n:Participant {name_key: $name_key}) RETURN n AS node, 'name' AS via LIMIT $limit
UNION
MATCH (n:Doctor {name_key: $name_key}) RETURN n AS node, 'name' AS via LIMIT $limit
UNION
MATCH (n:Institution) WHERE n.name CONTAINS $q RETURN n AS node, 'name' AS via LIMIT $limit
UNION
UNWIND $identifier_ids AS k MATCH (n:Identifier {id: k}) RETURN n AS node, 'identifier' AS via
UNION
UNWIND $identifier_ids AS k MATCH (:Identifier {id: k})<-[:HAS_IDENTIFIER]-(n:Participant)
RETURN n AS node, 'identifier' AS via LIMIT $limit
