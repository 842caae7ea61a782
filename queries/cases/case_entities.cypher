// description: Properties of a case's members (participants, doctors, institutions) by id
// params: participant_ids, doctor_ids, institution_ids
// mode: read
MATCH (n:Participant) WHERE n.id IN $participant_ids
RETURN 'participant' AS kind, n AS node
UNION
MATCH (n:Doctor) WHERE n.id IN $doctor_ids
RETURN 'doctor' AS kind, n AS node
UNION
MATCH (n:Institution) WHERE n.id IN $institution_ids
RETURN 'institution' AS kind, n AS node
