"""The graph model: labels, relationship types and keys (docs/graph-model.md draws it).

Every entity node carries a unique string ``id`` (the contract's id column; for an
Identifier ``kind:normalised_value``; for an Item its catalogue code). Labels and
types used in Cypher text come from these allowed lists, never from user input.
Dates are ISO strings (``YYYY-MM-DD``) so both backends compare them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

# Entity labels and their unique key property (always ``id``).
PARTICIPANT = "Participant"
DOCTOR = "Doctor"
INSTITUTION = "Institution"
PRESCRIPTION = "Prescription"  # one settlement (结算记录)
IDENTIFIER = "Identifier"  # phone/address/bank_account/device/email, normalised
ITEM = "Item"  # drug or service catalogue code
REFERRAL = "Referral"  # one transfer (转诊), a node because it ties 4 entities
RING = "Ring"  # a flagged ring, written by detection
DETECTION_RUN = "DetectionRun"
CASE = "Case"  # an investigation case (issue: cases)
CASE_EVENT = "CaseEvent"  # one entry of a case's history

LABELS: tuple[str, ...] = (
    PARTICIPANT,
    DOCTOR,
    INSTITUTION,
    PRESCRIPTION,
    IDENTIFIER,
    ITEM,
    REFERRAL,
    RING,
    DETECTION_RUN,
    CASE,
    CASE_EVENT,
)

# Relationship types: (type, from label, to label, properties)
REL_PATIENT = "PATIENT"  # (Prescription)-[:PATIENT]->(Participant)
REL_AT = "AT"  # (Prescription)-[:AT]->(Institution)
REL_PRESCRIBED_BY = "PRESCRIBED_BY"  # (Prescription)-[:PRESCRIBED_BY]->(Doctor)
REL_PAID_BY_ACCOUNT = "PAID_BY_ACCOUNT"  # (Prescription)-[:PAID_BY_ACCOUNT {amount}]->(Participant)
REL_CONTAINS = (
    "CONTAINS"  # (Prescription)-[:CONTAINS {line_id, quantity, unit_price, trace_code}]->(Item)
)
REL_WORKS_AT = "WORKS_AT"  # (Doctor)-[:WORKS_AT]->(Institution)
REL_SHARES_ACCOUNT = "SHARES_ACCOUNT"  # (holder)-[:SHARES_ACCOUNT {relation, since}]->(member)
REL_HAS_IDENTIFIER = "HAS_IDENTIFIER"  # (Participant)-[:HAS_IDENTIFIER]->(Identifier)
REL_REFERS = "REFERS"  # (Referral)-[:REFERS]->(Participant)
REL_REFERRED_FROM = "REFERRED_FROM"  # (Referral)-[:REFERRED_FROM]->(Institution)
REL_REFERRED_TO = "REFERRED_TO"  # (Referral)-[:REFERRED_TO]->(Institution)
REL_REFERRED_BY = "REFERRED_BY"  # (Referral)-[:REFERRED_BY]->(Doctor)
REL_HAS_MEMBER = "HAS_MEMBER"  # (Ring)-[:HAS_MEMBER {role}]->(Participant|Doctor|Institution)
REL_IN_RUN = "IN_RUN"  # (Ring)-[:IN_RUN]->(DetectionRun)
REL_FROM_RING = "FROM_RING"  # (Case)-[:FROM_RING]->(Ring)
REL_CONCERNS = "CONCERNS"  # (Case)-[:CONCERNS {role}]->(Participant|Doctor|Institution)
REL_EVENT = "EVENT"  # (Case)-[:EVENT]->(CaseEvent)

REL_TYPES: tuple[str, ...] = (
    REL_PATIENT,
    REL_AT,
    REL_PRESCRIBED_BY,
    REL_PAID_BY_ACCOUNT,
    REL_CONTAINS,
    REL_WORKS_AT,
    REL_SHARES_ACCOUNT,
    REL_HAS_IDENTIFIER,
    REL_REFERS,
    REL_REFERRED_FROM,
    REL_REFERRED_TO,
    REL_REFERRED_BY,
    REL_HAS_MEMBER,
    REL_IN_RUN,
    REL_FROM_RING,
    REL_CONCERNS,
    REL_EVENT,
)

# Ring member kinds of the data contract -> label.
MEMBER_KINDS: dict[str, str] = {
    "participant": PARTICIPANT,
    "doctor": DOCTOR,
    "institution": INSTITUTION,
}
KIND_OF_LABEL: dict[str, str] = {v: k for k, v in MEMBER_KINDS.items()}

# Entity kinds the API can address by /api/entities/{kind}/{id}.
ENTITY_KINDS: dict[str, str] = {
    **MEMBER_KINDS,
    "prescription": PRESCRIPTION,
    "identifier": IDENTIFIER,
    "item": ITEM,
    "referral": REFERRAL,
    "ring": RING,
    "case": CASE,
}

# Indexed properties besides the unique ``id`` (exact-match lookups and filters).
SECONDARY_INDEXES: dict[str, tuple[str, ...]] = {
    # keyed pseudonyms (issue #14): the graph holds no raw ID number or name to index
    PARTICIPANT: ("id_number_key", "name_key"),
    PRESCRIPTION: ("date",),
    IDENTIFIER: ("kind",),
    RING: ("run_id", "typology"),
    DOCTOR: ("name_key",),
    INSTITUTION: ("name",),
}

# Properties holding personal data (masked by default in every output).
PERSONAL_PROPERTIES: frozenset[str] = frozenset({"name", "id_number", "value"})


@dataclass(frozen=True)
class RingMember:
    """A member of a ring as the data contract writes it: ``{kind, id, role}``.

    One type for planted rings (generator), flagged rings (detection) and cases.

    >>> RingMember("doctor", "D1", "hub doctor").to_json()
    {'kind': 'doctor', 'id': 'D1', 'role': 'hub doctor'}
    """

    kind: str  # participant | doctor | institution (MEMBER_KINDS)
    id: str
    role: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "role": self.role}


# Entity kind of each label ("Participant" -> "participant"), the inverse of ENTITY_KINDS.
KIND_OF: dict[str, str] = {label: kind for kind, label in ENTITY_KINDS.items()}

# Aggregated ("virtual") relationship types the explore service builds from settlements,
# so a ring view shows one weighted edge instead of hundreds of Prescription nodes. They
# never exist in the store; services build them and viz styles them, so they live here,
# below both (issue #18).
VISITED = "VISITED"  # participant -> institution {count, amount}
TREATED_BY = "TREATED_BY"  # participant -> doctor {count, amount}
ACCOUNT_PAID_FOR = "ACCOUNT_PAID_FOR"  # account holder -> patient {count, amount}
REFERRED = "REFERRED"  # institution/doctor -> institution {count}
EVIDENCE = "EVIDENCE"  # detection's evidence edge {evidence_type, weight, detail}
