// description: Every case's status, typology, region and amount at risk (published results: counted, never listed)
// params:
// mode: read
MATCH (c:Case)
RETURN c.status AS status, c.typology AS typology, c.region_code AS region,
       c.amount_at_risk AS amount
ORDER BY region, typology
