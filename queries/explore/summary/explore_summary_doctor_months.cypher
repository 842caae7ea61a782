// description: A doctor's prescriptions by month: count, amount and fund share
// params: id, limit
// mode: read
MATCH (s:Prescription)-[:PRESCRIBED_BY]->(d:Doctor {id: $id})
WITH substring(s.date, 0, 7) AS month, s
RETURN month, count(s) AS count, sum(s.total_amount) AS amount, sum(s.fund_paid) AS fund_paid
ORDER BY month
LIMIT $limit
