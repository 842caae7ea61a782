// description: Screening index input: members of the current detection run's rings (kind, id, role, ring, typology, score, ring hash)
// params: sep
// mode: read
MATCH (r:DetectionRun {current: true})<-[:IN_RUN]-(g:Ring)-[m:HAS_MEMBER]->(e)
RETURN collect(CASE WHEN e:Participant THEN 'participant' WHEN e:Doctor THEN 'doctor'
       ELSE 'institution' END + $sep + e.id + $sep + coalesce(m.role, '') + $sep + g.id + $sep
       + coalesce(g.typology, '') + $sep + toString(g.score) + $sep
       + coalesce(g.ring_id, '')) AS packed
