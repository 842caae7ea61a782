// description: Prescriptions of a ring's member doctors settled at its member institutions (doctor -> pharmacy flows: fills, amount)
// params: id
// mode: read
MATCH (g:Ring {id: $id})-[:HAS_MEMBER]->(d:Doctor)<-[:PRESCRIBED_BY]-(s:Prescription)-[:AT]->(ph:Institution)<-[:HAS_MEMBER]-(g)
RETURN d.id AS doctor, ph.id AS pharmacy, count(s) AS fills, sum(s.total_amount) AS amount
ORDER BY doctor, pharmacy
