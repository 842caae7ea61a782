// description: Number of cases matching the list filters
// params: status, assignee, liaison, typology
// mode: read
MATCH (c:Case)
WHERE ($status IS NULL OR c.status = $status)
  AND ($assignee IS NULL OR c.assignee = $assignee)
  AND ($liaison IS NULL OR c.liaison = $liaison)
  AND ($typology IS NULL OR c.typology = $typology)
RETURN count(c) AS n
