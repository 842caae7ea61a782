"""Masking of personal data in every output (API answers, pages, Cypher results, views).

Why here and not in each route: Hainan measures Art. 31 forbid leaking insured
people's identities, so one module decides what counts as personal and how it is
shown; routes call ``mask_properties`` / ``mask_value`` and never format personal
fields themselves. Unmasking one entity is a deliberate, audited act
(``POST /api/entities/{kind}/{id}/unmask``, see ``graphsvc.api.routes.unmask``).

>>> mask_value("id_number", "46010019900101123X")
'4601**********123X'
>>> mask_value("phone", "13812345678")
'138****5678'
>>> mask_value("name", "张三丰")
'张**'
>>> mask_properties("Identifier", {"id": "phone:13812345678", "kind": "phone",
...                                 "value": "13812345678"})["id"]
'phone:138****5678'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from graphsvc import model

MASK = "*"

# Labels whose ``name`` is a person's name (an institution's or a drug's is not).
PERSON_LABELS: frozenset[str] = frozenset({model.PARTICIPANT, model.DOCTOR})

# Property keys that hold personal data on any label, normalised to a masking kind.
_KEY_KINDS: dict[str, str] = {
    "id_number": "id_number",
    "id_no": "id_number",
    "idcard": "id_number",
    "id_card": "id_number",
    "identity_number": "id_number",
    "phone": "phone",
    "mobile": "phone",
    "telephone": "phone",
    "tel": "phone",
    "address": "address",
    "addr": "address",
    "home_address": "address",
    "bank_account": "bank_account",
    "account_no": "bank_account",
    "card_no": "bank_account",
    "bank_card": "bank_account",
    "email": "email",
    "device": "device",
    "device_id": "device",
    "holder_name": "name",
    "patient_name": "name",
    "doctor_name": "name",
    "participant_name": "name",
}
# Substrings that make an unknown (extra-column) key personal.
_KEY_HINTS: tuple[tuple[str, str], ...] = (
    ("id_number", "id_number"),
    ("idcard", "id_number"),
    ("phone", "phone"),
    ("mobile", "phone"),
    ("address", "address"),
    ("bank", "bank_account"),
    ("email", "email"),
)
# Free-text fields that may quote identifiers (ring evidence, reasons, comments).
TEXT_KEYS: frozenset[str] = frozenset(
    {
        "evidence_json",
        "reasons",
        "reasons_zh",
        "detail",
        "detail_zh",
        "description",
        "comment",
        "text",
        "note",
        "notes",
        "summary",
        "message",
    }
)
IDENTIFIER_KINDS: frozenset[str] = frozenset(
    {"phone", "address", "bank_account", "device", "email"}
)

# Mainland resident ID (18 chars, last may be X), mobile phones, bank card numbers.
_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx](?![0-9A-Za-z])"
)
_PHONE_RE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_CARD_RE = re.compile(r"(?<!\d)\d{16,19}(?!\d)")


def field_kind(label: str, key: str) -> str | None:
    """The masking kind of property ``key`` on a node labelled ``label`` (None: not personal)."""
    k = key.lower()
    if k == "name":
        # Unknown label (a map from Cypher): assume a person, masking errs on the safe side.
        return "name" if label in PERSON_LABELS or not label else None
    if k in _KEY_KINDS:
        return _KEY_KINDS[k]
    for hint, kind in _KEY_HINTS:
        if hint in k:
            return kind
    return None


def _keep(value: str, head: int, tail: int) -> str:
    n = len(value)
    if n <= head + tail:
        # Too short to show anything safely: keep at most the first character.
        return value[:1] + MASK * max(n - 1, 1) if n > 1 else MASK
    return value[:head] + MASK * (n - head - tail) + value[n - tail :]


def mask_value(field: str, value: str) -> str:
    """Mask one personal value; ``field`` is a property key or masking kind.

    Unknown fields get a generic mask (first character kept), so calling this on
    anything personal is always safe.
    """
    if value is None:
        return value
    text = str(value)
    if not text:
        return text
    kind = _KEY_KINDS.get(field.lower(), field.lower())
    if kind == "id_number":
        return _keep(text, 4, 4)
    if kind == "phone":
        digits = text.replace(" ", "").replace("-", "")
        if digits.startswith("+86"):
            digits = digits[3:]
        return _keep(digits, 3, 4)
    if kind == "bank_account":
        return _keep(text.replace(" ", ""), 0, 4)
    if kind == "email":
        local, at, domain = text.partition("@")
        return (local[:1] + MASK * 3 + at + domain) if at else _keep(text, 1, 0)
    if kind == "address":
        return text[:3] + MASK * 6 if len(text) > 3 else MASK * 3
    if kind == "device":
        return _keep(text, 0, 4)
    if kind == "name":
        return text[:1] + MASK * max(len(text) - 1, 1)
    return _keep(text, 1, 0)


def mask_text(text: str) -> str:
    """Mask ID numbers, phone and card numbers quoted inside free text.

    >>> mask_text("shared phone 13812345678 by 46010019900101123X")
    'shared phone 138****5678 by 4601**********123X'
    """
    text = _ID_RE.sub(lambda m: mask_value("id_number", m.group(0)), text)
    text = _PHONE_RE.sub(lambda m: mask_value("phone", m.group(0)), text)
    return _CARD_RE.sub(lambda m: mask_value("bank_account", m.group(0)), text)


def _mask_identifier_id(value: str) -> str:
    kind, sep, raw = value.partition(":")
    if sep and kind in IDENTIFIER_KINDS:
        return f"{kind}:{mask_value(kind, raw)}"
    return mask_value("device", value)


def mask_any(value: Any) -> Any:
    """Mask free text found anywhere inside ``value`` (lists, dicts, strings)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list | tuple):
        return [mask_any(v) for v in value]
    if isinstance(value, Mapping):
        return {k: mask_any(v) for k, v in value.items()}
    return value


def mask_properties(label: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a node's (or relationship's) properties with personal data masked."""
    out: dict[str, Any] = {}
    is_identifier = label == model.IDENTIFIER
    ident_kind = str(props.get("kind", "")) if is_identifier else ""
    for key, value in props.items():
        if value is None:
            out[key] = value
            continue
        if is_identifier and key == "id":
            out[key] = _mask_identifier_id(str(value))
            continue
        if is_identifier and key == "value":
            out[key] = mask_value(ident_kind or "device", str(value))
            continue
        kind = field_kind(label, key)
        if kind is not None:
            if isinstance(value, list | tuple):
                out[key] = [mask_value(kind, str(v)) for v in value]
            else:
                out[key] = mask_value(kind, str(value))
        elif key in TEXT_KEYS:
            out[key] = _mask_text_field(value)
        else:
            out[key] = value
    return out


def _mask_text_field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        # JSON text (evidence_json): mask inside, keep it valid JSON.
        try:
            return json.dumps(mask_any(json.loads(value)), ensure_ascii=False)
        except ValueError:
            return mask_text(value)
    return mask_any(value)


_IDENT_ID_RE = re.compile(r"^(?:" + "|".join(sorted(IDENTIFIER_KINDS)) + r"):")


def mask_free_string(value: str, *, personal: bool, hint: str | None = None) -> str:
    """Mask a string from a query result that is not a node or relationship property.

    ``personal``: the query read personal properties, so any string may be one
    (masked with ``hint``'s kind, or as a name). Otherwise only what looks personal
    (identifier ids, ID/phone/card numbers) is masked.

    >>> mask_free_string("phone:13812345678", personal=False)
    'phone:138****5678'
    >>> mask_free_string("王小明", personal=True)
    '王**'
    """
    if _IDENT_ID_RE.match(value):
        return _mask_identifier_id(value)
    if personal:
        kind = field_kind("", hint) if hint else None
        return mask_value(kind or "name", value)
    return mask_text(value)


# -- audited unmasking of one entity --------------------------------------------------

MIN_REASON_CHARS = 10


def unmask_entity(store: Any, kind: str, entity_id: str, reason: str) -> dict[str, Any]:
    """Full, unmasked properties of one entity (and its identifiers), for a stated reason.

    The caller records the audit entry; this only reads. ``kind`` comes from
    ``graphsvc.model.ENTITY_KINDS`` so the label in the query text is never user input.
    """
    from graphsvc.errors import InputError, NotFound
    from graphsvc.store.values import Node

    label = model.ENTITY_KINDS.get(kind)
    if label is None:
        raise NotFound(f"unknown entity kind {kind!r}")
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise InputError(f"state a reason of at least {MIN_REASON_CHARS} characters")

    def text(name: str) -> str:
        return str(store.named(name).text).replace("`$label`", f"`{label}`")

    from graphsvc.security.vault import pii_for_store, reveal

    res = store.query(text("platform_entity"), {"id": entity_id})
    node = res.scalar()
    if not isinstance(node, Node):
        raise NotFound(f"no {kind} with that id")
    # The graph holds pseudonyms and masked forms (issue #14); the raw values are read
    # from the vault here, on the one audited path, and nowhere else for a page.
    pii = pii_for_store(store)
    props = reveal(pii, label, entity_id, dict(node.properties))
    out: dict[str, Any] = {"kind": kind, "id": entity_id, "properties": props}
    if label == model.PARTICIPANT:
        idents = store.query(text("platform_entity_identifiers"), {"id": entity_id}).records()
        for r in idents:
            raw = pii.vault.get(model.IDENTIFIER, str(r.get("id"))).get("value")
            if raw is not None:
                r["value"] = raw
        out["identifiers"] = idents
    return out
