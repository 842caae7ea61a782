// description: Detection input: registered family account sharing (家庭共济), for a page of holders
// params: after, limit
// mode: read
MATCH (h:Participant) WHERE h.id > $after
WITH h ORDER BY h.id LIMIT $limit
OPTIONAL MATCH (h)-[f:SHARES_ACCOUNT]->(m:Participant)
RETURN h.id AS page_key, h.id AS holder_id, m.id AS member_id, f.relation AS relation,
       f.since AS since
ORDER BY page_key, member_id
