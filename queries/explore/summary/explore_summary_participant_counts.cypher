// description: How much a participant holds, by kind: settlements, stays, institutions, doctors, family links, identifiers
// params: id
// mode: read
MATCH (p:Participant {id: $id})
OPTIONAL MATCH (s:Prescription)-[:PATIENT]->(p)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
OPTIONAL MATCH (s)-[:PRESCRIBED_BY]->(d:Doctor)
WITH p, count(DISTINCT s) AS settlements, count(DISTINCT i) AS institutions,
     count(DISTINCT d) AS doctors,
     count(DISTINCT CASE WHEN s.visit_type = 'inpatient' THEN s END) AS stays
OPTIONAL MATCH (p)-[f:SHARES_ACCOUNT]-(:Participant)
WITH p, settlements, institutions, doctors, stays, count(DISTINCT f) AS family
OPTIONAL MATCH (p)-[:HAS_IDENTIFIER]->(x:Identifier)
RETURN settlements, stays, institutions, doctors, family, count(DISTINCT x) AS identifiers
